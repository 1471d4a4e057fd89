/**
 * `/metrics` on the API server: every request is counted and timed per route and status (an
 * `onResponse` hook; the route is its pattern, `/memory/session/context/:sessionId`, so the
 * series stay few), and `GET /metrics` answers the process's registry in the Prometheus text
 * format — with a bearer token when `BRAINOPS_METRICS_TOKEN` is set. The memory store of the
 * server is observed, and the database-backed series are registered, once per process.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { MemoryStore } from '../memory';
import { registerDatabaseGauges } from './database-gauges';
import { metricsOfProcess, type BrainOpsMetrics } from './registry';
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
 * Counts every request of `app` and serves `GET /metrics`. Call before the routes are registered,
 * so that the hook applies to all of them.
 */
export function registerMetrics(
  app: FastifyInstance,
  deps: { config: BrainOpsConfig; store: MemoryStore; logger: Logger; metrics?: BrainOpsMetrics },
): BrainOpsMetrics {
  const metrics = deps.metrics ?? metricsOfProcess();
  observeStore(metrics, deps.store);
  if (!gaugesOf.has(metrics)) {
    gaugesOf.add(metrics);
    registerDatabaseGauges(metrics, { pool: deps.store.pool, model: deps.store.embedder?.model, logger: deps.logger });
  }
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  const token = deps.config.metrics.token;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token && !bearerMatches(request.headers.authorization, token))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ error: 'Unauthorized', message: 'GET /metrics needs Authorization: Bearer <BRAINOPS_METRICS_TOKEN>' });
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(text);
  });
  return metrics;
}
