/**
 * `/metrics` on the API server, as an extension the stack registers (as MCP and the console are):
 * every request is counted and timed per route and status (an `onResponse` hook; the route is its
 * pattern, `/memory/session/context/:sessionId`, so the series stay few), and `GET /metrics`
 * answers the process's registry in the Prometheus text format — with a bearer token when
 * `BRAINOPS_METRICS_TOKEN` is set. What fills the registry besides requests is wired by the stack
 * ({@link observeMemory}).
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MemoryStore } from '../memory';
import { registerDatabaseGauges } from './database-gauges';
import type { BrainOpsMetrics } from './registry';
import { observeStore } from './store-observer';

/** Whether `header` carries `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b) && given.length > 0;
}

const gaugesOf = new WeakSet<BrainOpsMetrics>();

/**
 * Counts what `store` does in `metrics` and registers the database-backed series read through it
 * (once per registry: they are database-wide).
 */
export function observeMemory(metrics: BrainOpsMetrics, store: MemoryStore, logger: Logger): void {
  observeStore(metrics, store);
  if (gaugesOf.has(metrics)) return;
  gaugesOf.add(metrics);
  registerDatabaseGauges(metrics, { store, logger });
}

/**
 * The extension counting every request of the server and serving `GET /metrics` (with `token`:
 * only to `Authorization: Bearer <token>`).
 */
export function metricsExtension(metrics: BrainOpsMetrics, opts: { token?: string }): (app: FastifyInstance) => void {
  return (app) => {
    // Hooks added before the server is ready apply to every route, those registered before too.
    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
    const { token } = opts;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token && !bearerMatches(request.headers.authorization, token))
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({
          error: 'Unauthorized',
          message: 'GET /metrics needs Authorization: Bearer <BRAINOPS_METRICS_TOKEN>',
        });
      const text = await metrics.render();
      return reply.header('content-type', metrics.contentType).send(text);
    });
  };
}
