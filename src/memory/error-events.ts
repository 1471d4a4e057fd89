/**
 * Error events (what an agent or a service saw go wrong, grouped by signature): recording,
 * tenant-safe lists, resolution and summaries. A list for a tenant runs under that tenant's
 * row-level security; the operator's views (no tenant, or every tenant) on the operator's pool.
 */
import type { ListErrorEventsInput } from '../contracts/work-history';
import { type Connections, type Queryable } from './connections';
import { tenantViewSql } from './tenant-view';

/** An error an agent saw. `signature` groups the same problem across occurrences. */
export interface ErrorEventInput {
  signature: string;
  errorType: string;
  message: string;
  stack?: string;
  context?: Record<string, unknown>;
  source: string;
  agentId?: string;
  /** Idempotency key (for example workflow id + activity id + target). */
  dedupeKey?: string;
  workflowId?: string;
  activityType?: string;
  attempt?: number;
  /** The tenant whose work (or report) this is; none for system errors. */
  tenantId?: string;
}

export interface ErrorEventRow extends ErrorEventInput {
  id: number;
  resolvedBy: number | null;
  resolvedAt: Date | null;
  resolutionMs: number | null;
  status: 'open' | 'resolved' | 'ignored' | 'escalated';
  occurredAt: Date;
}

/** Records an error event once per `dedupeKey`. Returns its id. */
export async function insertErrorEvent(db: Queryable, e: ErrorEventInput): Promise<number> {
  return (await insertErrorEventOnce(db, e)).id;
}

/** The columns an error event is inserted with, and {@link errorEventValues} in their order. */
const ERROR_EVENT_COLUMNS = `signature, error_type, message, stack, context, source, agent_id, dedupe_key,
  workflow_id, activity_type, attempt, tenant_id`;

/** The values of an error event, `$1`…`$12` in the order of {@link ERROR_EVENT_COLUMNS}. */
function errorEventValues(e: ErrorEventInput): unknown[] {
  return [
    e.signature,
    e.errorType,
    e.message,
    e.stack ?? null,
    JSON.stringify(e.context ?? {}),
    e.source,
    e.agentId ?? null,
    e.dedupeKey ?? null,
    e.workflowId ?? null,
    e.activityType ?? null,
    e.attempt ?? null,
    e.tenantId ?? null,
  ];
}

/**
 * Records an error event once per `dedupeKey`: its id, and whether this call recorded it (false:
 * an event of that key was there already, and its id is answered).
 */
export async function insertErrorEventOnce(
  db: Queryable,
  e: ErrorEventInput,
): Promise<{ id: number; created: boolean }> {
  const result = await db.query<{ id: number; created: boolean }>(
    `with ins as (
       insert into error_events (${ERROR_EVENT_COLUMNS})
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict (dedupe_key) do nothing
       returning id)
     select id::int, true as created from ins
     union all select id::int, false from error_events where dedupe_key = $8
     limit 1`,
    errorEventValues(e),
  );
  return result.rows[0]!;
}

/**
 * Records `count` (≥ 2) identical occurrences of an error in one statement (no dedupe key: each
 * is an occurrence of its own). Returns the first one's id.
 */
export async function insertErrorOccurrences(db: Queryable, e: ErrorEventInput, count: number): Promise<number> {
  const result = await db.query<{ id: number }>(
    `with ins as (
       insert into error_events (${ERROR_EVENT_COLUMNS})
       select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 from generate_series(1, $13)
       returning id)
     select min(id)::int as id from ins`,
    [...errorEventValues({ ...e, dedupeKey: undefined }), count],
  );
  return result.rows[0]!.id;
}

/** Newest error events first. */
export async function listErrorEvents(db: Queryable, opts: ListErrorEventsInput): Promise<ErrorEventRow[]> {
  const result = await db.query<ErrorEventRow>(
    `select id::int, signature, error_type as "errorType", message, stack, context, source, agent_id as "agentId",
       dedupe_key as "dedupeKey", status, occurred_at as "occurredAt", workflow_id as "workflowId",
       activity_type as "activityType", attempt, resolved_by::int as "resolvedBy", resolved_at as "resolvedAt",
       resolution_ms::float8 as "resolutionMs", tenant_id as "tenantId"
     from error_events
     where ($1::text is null or status = $1) and ($2::timestamptz is null or occurred_at >= $2)
       and ($4::bigint is null or id = $4) and ($5::text is null or signature = $5)
       and ${tenantViewSql('$6', '$7')}
     order by occurred_at desc, id desc limit $3`,
    [
      opts.status ?? null,
      opts.since ?? null,
      opts.limit ?? 20,
      opts.id ?? null,
      opts.signature ?? null,
      opts.tenantId ?? null,
      opts.allTenants ?? false,
    ],
  );
  return result.rows;
}

/** Marks error events of a signature resolved (by a solution, or by a person when null). */
export async function resolveErrorEvents(
  db: Queryable,
  e: { signature: string; status: 'resolved' | 'ignored' | 'escalated'; solutionId?: number },
): Promise<number> {
  const result = await db.query(
    `update error_events set status = $2, resolved_by = $3,
       resolved_at = case when $2 = 'escalated' then null else now() end,
       resolution_ms = case when $2 = 'escalated' then null else (extract(epoch from now() - occurred_at) * 1000)::bigint end
     where signature = $1 and status in ('open', 'escalated')`,
    [e.signature, e.status, e.solutionId ?? null],
  );
  return result.rowCount ?? 0;
}

/**
 * Marks the open and escalated events of one alert resolved: those of `signature` whose context
 * names `fingerprint`, of the tenant `tenantId` (none: events of no tenant). Returns how many.
 */
export async function resolveAlertEvents(
  db: Queryable,
  e: { signature: string; fingerprint: string; tenantId?: string },
): Promise<number> {
  const result = await db.query(
    `update error_events set status = 'resolved', resolved_at = now(),
       resolution_ms = (extract(epoch from now() - occurred_at) * 1000)::bigint
     where signature = $1 and context->>'fingerprint' = $2 and tenant_id is not distinct from $3
       and status in ('open', 'escalated')`,
    [e.signature, e.fingerprint, e.tenantId ?? null],
  );
  return result.rowCount ?? 0;
}

/** How one error signature fared over a window: occurrences by status and time to resolution. */
export interface ErrorSummary {
  signature: string;
  occurrences: number;
  open: number;
  escalated: number;
  resolved: number;
  ignored: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Action of the solution that resolved it most recently (null: a person, or not resolved). */
  resolvedWith: string | null;
  /** Time from occurrence to resolution, ms (null when none was resolved). */
  medianResolutionMs: number | null;
  p95ResolutionMs: number | null;
}

/** Error events since `since`, grouped by signature, most frequent first. */
export async function summariseErrors(db: Queryable, opts: { since: Date; limit?: number }): Promise<ErrorSummary[]> {
  const result = await db.query<ErrorSummary>(
    `select e.signature, count(*)::int as occurrences,
       count(*) filter (where e.status = 'open')::int as open,
       count(*) filter (where e.status = 'escalated')::int as escalated,
       count(*) filter (where e.status = 'resolved')::int as resolved,
       count(*) filter (where e.status = 'ignored')::int as ignored,
       min(e.occurred_at) as "firstSeenAt", max(e.occurred_at) as "lastSeenAt",
       (array_agg(kb.action order by e.resolved_at desc) filter (where kb.action is not null))[1] as "resolvedWith",
       round(percentile_cont(0.5) within group (order by e.resolution_ms))::float8 as "medianResolutionMs",
       round(percentile_cont(0.95) within group (order by e.resolution_ms))::float8 as "p95ResolutionMs"
     from error_events e left join knowledge_base kb on kb.id = e.resolved_by
     where e.occurred_at >= $1
     group by e.signature order by occurrences desc, "lastSeenAt" desc limit $2`,
    [opts.since, opts.limit ?? 50],
  );
  return result.rows;
}

/** Error events: record, list (by the tenancy rule), resolve, summarise. */
export function errorEventRepository(db: Connections) {
  return {
    /** Records an error event (redacted) once per `dedupeKey`; returns its id. */
    record: (e: ErrorEventInput, occurrences = 1) =>
      occurrences > 1
        ? insertErrorOccurrences(db.operator, db.redact(e), occurrences)
        : insertErrorEvent(db.operator, db.redact(e)),
    /** Records an error event (redacted) once per `dedupeKey`: its id, and whether this call recorded it. */
    recordOnce: (e: ErrorEventInput) => insertErrorEventOnce(db.operator, db.redact(e)),
    /**
     * Newest first: a tenant's with `tenantId` (under row-level security); without it, those of
     * no tenant (system errors); every tenant's only with `allTenants: true`.
     */
    list: (opts: ListErrorEventsInput) => db.run(opts.tenantId, (q) => listErrorEvents(q, opts)),
    /** Marks a signature's open and escalated events resolved, ignored or escalated. */
    resolve: (e: Parameters<typeof resolveErrorEvents>[1]) => resolveErrorEvents(db.operator, e),
    /** Marks one alert's open and escalated events resolved (its fingerprint, its tenant's). */
    resolveAlert: (e: Parameters<typeof resolveAlertEvents>[1]) => resolveAlertEvents(db.operator, e),
    /** Error events since a time, by signature, with time to resolution. */
    summarise: (opts: Parameters<typeof summariseErrors>[1]) => summariseErrors(db.operator, opts),
  };
}
export type ErrorEventRepository = ReturnType<typeof errorEventRepository>;
