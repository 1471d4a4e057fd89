/**
 * Endpoint performance (table `endpoint_performance`, from OpenTelemetry server spans): requests,
 * failures and a latency histogram per tenant, service, route, HTTP method and minute. Writes add
 * to a minute's row in one upsert per request of spans (`aggregateRequests` groups them first);
 * reads sum a window's minutes per route and read p50/p95/p99 from the summed histogram
 * (`latency-histogram.ts`). A tenant's reads and writes run under its row-level security; without
 * a tenant (learning cycles, the operator) every tenant's rows are seen.
 */
import type { EndpointMinute } from '../domain/endpoint-aggregation';
import { histogramQuantile } from '../domain/latency-histogram';
import type { Connections, Queryable } from './connections';

/** A window of endpoint performance to read. */
export interface EndpointWindow {
  /** The tenant whose rows are read; none: every tenant's (operator). */
  tenantId?: string;
  /** Minutes starting at or after this time… */
  since: Date;
  /** …and before this one. @defaultValue no end */
  until?: Date;
  service?: string;
  route?: string;
}

/** A route's figures over a window. */
export interface EndpointStats {
  tenantId: string;
  service: string;
  route: string;
  method: string;
  requests: number;
  errors: number;
  /** errors / requests, 0–1. */
  errorRate: number;
  /** Latencies, ms: mean, maximum, and percentiles read from the histogram (≈12 % wide buckets). */
  meanMs: number;
  maxMs: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** One stored minute of a route. */
export interface EndpointMinuteRow extends EndpointMinute {
  tenantId: string;
}

/** Adds `groups` (sorted as `aggregateRequests` sorts them) to `tenantId`'s minutes, in one statement. */
export async function addEndpointMinutes(
  db: Queryable,
  tenantId: string,
  groups: readonly EndpointMinute[],
): Promise<void> {
  if (groups.length === 0) return;
  await db.query(
    `insert into endpoint_performance as p
       (tenant_id, service, route, method, minute, requests, errors, sum_ms, max_ms, buckets)
     select $1, r.service, r.route, r.method, r.minute, r.requests, r.errors, r.sum_ms, r.max_ms, r.buckets
     from jsonb_to_recordset($2::jsonb) as r(service text, route text, method text, minute timestamptz,
       requests bigint, errors bigint, sum_ms float8, max_ms float8, buckets bigint[])
     on conflict (tenant_id, minute, service, route, method) do update set
       requests = p.requests + excluded.requests,
       errors = p.errors + excluded.errors,
       sum_ms = p.sum_ms + excluded.sum_ms,
       max_ms = greatest(p.max_ms, excluded.max_ms),
       buckets = (select array_agg(coalesce(a, 0) + coalesce(b, 0) order by i)
                  from unnest(p.buckets, excluded.buckets) with ordinality as t(a, b, i))`,
    [
      tenantId,
      JSON.stringify(
        groups.map((g) => ({
          service: g.service,
          route: g.route,
          method: g.method,
          minute: g.minute.toISOString(),
          requests: g.requests,
          errors: g.errors,
          sum_ms: g.sumMs,
          max_ms: g.maxMs,
          buckets: g.buckets,
        })),
      ),
    ],
  );
}

const WINDOW = `minute >= $1 and ($2::timestamptz is null or minute < $2)
  and ($3::text is null or service = $3) and ($4::text is null or route = $4)`;
const windowParams = (w: EndpointWindow) => [w.since, w.until ?? null, w.service ?? null, w.route ?? null];

/**
 * The routes of a window, summed over its minutes, most requested first (at most `limit`), with
 * error rate and percentiles.
 */
export async function endpointStats(db: Queryable, w: EndpointWindow & { limit: number }): Promise<EndpointStats[]> {
  const result = await db.query<{
    tenantId: string;
    service: string;
    route: string;
    method: string;
    requests: number;
    errors: number;
    sumMs: number;
    maxMs: number;
    buckets: string[];
  }>(
    `with routes as (
       select tenant_id, service, route, method, sum(requests)::float8 as requests, sum(errors)::float8 as errors,
              sum(sum_ms) as sum_ms, max(max_ms) as max_ms
       from endpoint_performance where ${WINDOW}
       group by 1, 2, 3, 4 order by requests desc, service, route, method limit $5)
     select r.tenant_id as "tenantId", r.service, r.route, r.method, r.requests, r.errors, r.sum_ms as "sumMs",
            r.max_ms as "maxMs",
            (select array_agg(n order by i) from (
               select i, sum(v) as n from endpoint_performance p, unnest(p.buckets) with ordinality as u(v, i)
               where p.tenant_id = r.tenant_id and p.service = r.service and p.route = r.route
                 and p.method = r.method and p.minute >= $1 and ($2::timestamptz is null or p.minute < $2)
               group by i) s) as buckets
     from routes r order by r.requests desc, r.service, r.route, r.method`,
    [...windowParams(w), w.limit],
  );
  return result.rows.map((row) => {
    const buckets = (row.buckets ?? []).map(Number);
    return {
      tenantId: row.tenantId,
      service: row.service,
      route: row.route,
      method: row.method,
      requests: row.requests,
      errors: row.errors,
      errorRate: row.requests > 0 ? row.errors / row.requests : 0,
      meanMs: row.requests > 0 ? row.sumMs / row.requests : 0,
      maxMs: row.maxMs,
      p50Ms: histogramQuantile(buckets, 0.5, row.maxMs),
      p95Ms: histogramQuantile(buckets, 0.95, row.maxMs),
      p99Ms: histogramQuantile(buckets, 0.99, row.maxMs),
    };
  });
}

/** The stored minutes of a window, oldest first (at most `limit`): the series a rule over time reads. */
export async function endpointMinutes(
  db: Queryable,
  w: EndpointWindow & { limit: number },
): Promise<EndpointMinuteRow[]> {
  const result = await db.query<EndpointMinuteRow & { buckets: string[] }>(
    `select tenant_id as "tenantId", service, route, method, minute, requests::float8 as requests,
            errors::float8 as errors, sum_ms as "sumMs", max_ms as "maxMs", buckets::text[] as buckets
     from endpoint_performance where ${WINDOW}
     order by minute, service, route, method limit $5`,
    [...windowParams(w), w.limit],
  );
  return result.rows.map((row) => ({ ...row, buckets: row.buckets.map(Number) }));
}

/** The `endpoint_performance` repository. */
export function endpointPerformanceRepository(db: Connections) {
  return {
    /** Adds a request's groups to the tenant's minutes (one upsert). */
    add: (tenantId: string, groups: readonly EndpointMinute[]) =>
      db.run(tenantId, (q) => addEndpointMinutes(q, tenantId, groups)),
    /** Routes of a window with count, error rate and percentiles, most requested first. */
    stats: (w: EndpointWindow & { limit: number }) => db.run(w.tenantId, (q) => endpointStats(q, w)),
    /** The stored minutes of a window, oldest first. */
    minutes: (w: EndpointWindow & { limit: number }) => db.run(w.tenantId, (q) => endpointMinutes(q, w)),
  };
}
export type EndpointPerformanceRepository = ReturnType<typeof endpointPerformanceRepository>;
