/**
 * A worker's own `/metrics` (`BRAINOPS_WORKER_METRICS_PORT`): a bare `node:http` server answering
 * `GET /metrics` with the process's registry and the Temporal SDK's metrics, with the same optional
 * bearer token as the API server. For a worker process a Prometheus job should reach without
 * reaching its API port (a worker process also serves the same text at the API server's
 * `/metrics`).
 */
import http from 'node:http';
import type { BrainOpsMetrics } from './registry';
import { bearerMatches } from './http';

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `host`:`port` (0: a free port).
 * @throws Error when the port is taken.
 */
export async function startMetricsEndpoint(
  metrics: BrainOpsMetrics,
  opts: { host: string; port: number; token?: string },
): Promise<MetricsEndpoint> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics here\n');
      return;
    }
    if (opts.token && !bearerMatches(request.headers.authorization, opts.token)) {
      response
        .writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' })
        .end('Authorization: Bearer <BRAINOPS_METRICS_TOKEN> needed\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: unknown) =>
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
