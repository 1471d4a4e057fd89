/**
 * SQL of insights: what DatabaseGuardian and the learning cycles found, stored as memory entries
 * (`ai_insight` entries, tagged "actionable" when someone should act) under a stable key, so a finding that repeats
 * updates its entry instead of adding one.
 *
 * Two kinds of write:
 * - an **observation** (a DatabaseGuardian finding about live state): each run that sees it again
 *   counts once more in `metadata.timesSeen` (a retried activity, same `writeId`, does not);
 * - a **window** insight (a learning cycle's result for a time window): recomputed from the
 *   window's data, written only when its content differs, and never over the result of a later
 *   window, so re-running or back-filling a window changes nothing that is already right.
 */
import type { Insight, Severity } from '../contracts/insight';
import type { Connections, Queryable } from './connections';
import { LAYER_TTL_MS } from '../contracts/memory';

const PRIORITY: Record<Severity, string> = {
  info: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};
const IMPORTANCE: Record<Severity, number> = { info: 0.2, low: 0.35, medium: 0.5, high: 0.75, critical: 0.95 };

/** Memory types an insight entry may have: findings and patterns, records, reports. */
export type InsightMemoryType = 'ai_insight' | 'performance_metric' | 'optimization';

function rows(insights: Insight[], metadata: (i: Insight) => Record<string, unknown>) {
  return {
    keys: insights.map((i) => i.key),
    values: insights.map((i) => JSON.stringify({ kind: i.kind, subject: i.subject, ...i.evidence })),
    titles: insights.map((i) => i.title.slice(0, 1000)),
    contents: insights.map((i) => `${i.detail}\nRecommended action: ${i.recommendedAction}`),
    priorities: insights.map((i) => PRIORITY[i.severity]),
    importances: insights.map((i) => IMPORTANCE[i.severity]),
    categories: insights.map((i) => i.kind),
    tags: insights.map(
      (i) => `{${['insight', i.kind, ...(i.actionable ? ['actionable'] : [])].map((t) => `"${t}"`).join(',')}}`,
    ),
    metadata: insights.map((i) =>
      JSON.stringify({
        kind: i.kind,
        severity: i.severity,
        recommendedAction: i.recommendedAction,
        actionable: i.actionable,
        subject: i.subject,
        ...metadata(i),
      }),
    ),
  };
}

const INSERT = `
  insert into memory_entries as m (key, value, title, content, memory_type, layer, scope, tenant_id, priority,
    importance, category, source, tags, metadata, expires_at, last_write_id)
  select r.key, r.value, r.title, r.content, $13, 'short_term', case when $14::text is null then 'global' else 'tenant' end,
    $14::text, r.priority, r.importance, r.category, $10, r.tags::text[], r.metadata, $11, $12
  from unnest($1::text[], $2::jsonb[], $3::text[], $4::text[], $5::text[], $6::real[], $7::text[], $8::text[], $9::jsonb[])
    as r(key, value, title, content, priority, importance, category, tags, metadata)
  on conflict (key, scope, tenant_id, user_id, session_id, agent_id) do update set
    value = excluded.value, title = excluded.title, content = excluded.content, memory_type = excluded.memory_type,
    layer = case when m.layer in ('long_term', 'permanent') then m.layer else excluded.layer end,
    priority = excluded.priority, importance = excluded.importance, category = excluded.category,
    source = excluded.source, tags = excluded.tags, expires_at = excluded.expires_at,
    last_write_id = excluded.last_write_id, updated_at = now(), sync_version = m.sync_version + 1`;

/**
 * The parameters of {@link INSERT}, in its order: the rows' columns, then source, expiry, write
 * id, type and the tenant (none: a `global` insight; a tenant's: `tenant` scope, its rows only).
 */
function insertParams(
  r: ReturnType<typeof rows>,
  source: string,
  expiresAt: Date,
  writeId: string,
  memoryType: string,
  tenantId: string | null = null,
) {
  return [
    r.keys,
    r.values,
    r.titles,
    r.contents,
    r.priorities,
    r.importances,
    r.categories,
    r.tags,
    r.metadata,
    source,
    expiresAt,
    writeId,
    memoryType,
    tenantId,
  ];
}

/**
 * Upserts observations: a new key starts at `timesSeen` 1, a known one counts one more sighting
 * per `writeId` and keeps its `firstSeenAt`; `status` becomes `open` again.
 * Returns the keys written (a repeat of the same `writeId` writes none).
 */
export async function upsertObservations(
  db: Queryable,
  { insights, ...opts }: { insights: Insight[]; source: string; writeId: string; seenAt: Date },
): Promise<string[]> {
  if (insights.length === 0) return [];
  const seenAt = opts.seenAt.toISOString();
  const r = rows(insights, () => ({ status: 'open', firstSeenAt: seenAt, lastSeenAt: seenAt, timesSeen: 1 }));
  const expiresAt = new Date(opts.seenAt.getTime() + LAYER_TTL_MS.short_term!);
  const result = await db.query<{ key: string }>(
    `${INSERT},
       metadata = m.metadata || excluded.metadata || jsonb_build_object(
         'timesSeen', coalesce((m.metadata->>'timesSeen')::int, 0) + 1,
         'firstSeenAt', coalesce(m.metadata->'firstSeenAt', excluded.metadata->'firstSeenAt'))
         - 'resolvedAt'
     where m.last_write_id is distinct from excluded.last_write_id
     returning key`,
    insertParams(r, opts.source, expiresAt, opts.writeId, 'ai_insight'),
  );
  return result.rows.map((row) => row.key);
}

/**
 * Marks open observations under `keyPrefix` that this run did not see (`seenKeys`) as resolved,
 * restricted to the kinds this run checked: `kinds` only, or all but `kinds` with `exclude`.
 * Returns how many.
 */
export async function resolveObservations(
  db: Queryable,
  {
    keyPrefix,
    seenKeys,
    resolvedAt,
    ...checked
  }: {
    keyPrefix: string;
    seenKeys: string[];
    resolvedAt: Date;
    kinds: string[];
    exclude: boolean;
  },
): Promise<number> {
  const result = await db.query(
    `update memory_entries set metadata = metadata || jsonb_build_object('status', 'resolved', 'resolvedAt', $3::text),
       priority = 'low', updated_at = now(), sync_version = sync_version + 1
     where starts_with(key, $1) and scope = 'global' and tenant_id is null and user_id is null and session_id is null
       and agent_id is null and memory_type = 'ai_insight' and metadata->>'status' = 'open' and key <> all($2::text[])
       and (category = any($4::text[])) <> $5`,
    [keyPrefix, seenKeys, resolvedAt.toISOString(), checked.kinds, checked.exclude],
  );
  return result.rowCount ?? 0;
}

/**
 * Upserts the insights of one window (`windowStart`..`windowEnd`). An entry is written only when
 * its content changed, and never over an entry written for a later window. Expiry counts from
 * the window's end, so the same window always yields the same entry. Returns the keys written.
 */
export async function upsertWindowInsights(
  db: Queryable,
  {
    insights,
    ...opts
  }: {
    insights: Insight[];
    source: string;
    windowStart: Date;
    windowEnd: Date;
    writeId: string;
    memoryType?: InsightMemoryType;
    /** The tenant whose insights these are (its own data, seen by it and the operator only); none: global. */
    tenantId?: string;
  },
): Promise<string[]> {
  if (insights.length === 0) return [];
  const r = rows(insights, () => ({
    windowStart: opts.windowStart.toISOString(),
    windowEnd: opts.windowEnd.toISOString(),
  }));
  const expiresAt = new Date(opts.windowEnd.getTime() + LAYER_TTL_MS.short_term!);
  const result = await db.query<{ key: string }>(
    `${INSERT}, metadata = excluded.metadata
     where coalesce((m.metadata->>'windowEnd')::timestamptz, '-infinity') <= (excluded.metadata->>'windowEnd')::timestamptz
       and (m.value, m.title, m.content, m.priority, m.metadata, m.tags, m.expires_at)
         is distinct from (excluded.value, excluded.title, excluded.content, excluded.priority, excluded.metadata, excluded.tags, excluded.expires_at)
     returning key`,
    insertParams(r, opts.source, expiresAt, opts.writeId, opts.memoryType ?? 'ai_insight', opts.tenantId ?? null),
  );
  return result.rows.map((row) => row.key);
}

/** Live insights under `keyPrefix`, most severe first. */
export async function listInsights(
  db: Queryable,
  opts: {
    keyPrefix?: string;
    kinds?: string[];
    status?: 'open' | 'resolved';
    limit?: number;
    /** Only this tenant's insights (on its row-level security, see the repository). */
    tenantId?: string;
  } = {},
): Promise<
  (Insight & {
    timesSeen: number | null;
    firstSeenAt: string | null;
    lastSeenAt: string | null;
    status: string | null;
    windowEnd: string | null;
    updatedAt: Date;
    syncVersion: number;
  })[]
> {
  const result = await db.query(
    `select key, category as kind, metadata->>'severity' as severity, title,
       split_part(content, E'\\nRecommended action: ', 1) as detail, metadata->>'recommendedAction' as "recommendedAction",
       coalesce((metadata->>'actionable')::boolean, false) as actionable, metadata->>'subject' as subject,
       value - 'kind' - 'subject' as evidence, (metadata->>'timesSeen')::int as "timesSeen",
       metadata->>'firstSeenAt' as "firstSeenAt", metadata->>'lastSeenAt' as "lastSeenAt", metadata->>'status' as status,
       metadata->>'windowEnd' as "windowEnd", updated_at as "updatedAt", sync_version as "syncVersion"
     from memory_entries
     -- Containment, not "= any": the tags' GIN index finds the insights among millions of entries.
     where tags @> array['insight'] and archived_at is null
       and ($1::text is null or starts_with(key, $1)) and ($2::text[] is null or category = any($2))
       and ($3::text is null or metadata->>'status' = $3) and ($5::text is null or tenant_id = $5)
     order by array_position(array['critical','high','medium','low','info'], metadata->>'severity'), key
     limit $4`,
    [opts.keyPrefix ?? null, opts.kinds ?? null, opts.status ?? null, opts.limit ?? 200, opts.tenantId ?? null],
  );
  return result.rows as never;
}

/** Insights: observations (DatabaseGuardian findings) and learning-cycle results (operator work). */
export function insightRepository(db: Connections) {
  return {
    /** Upserts observations (redacted); returns the keys written. */
    recordObservations: (o: Parameters<typeof upsertObservations>[1]) =>
      upsertObservations(db.operator, { ...o, insights: db.redact(o.insights) }),
    resolveObservations: (o: Parameters<typeof resolveObservations>[1]) => resolveObservations(db.operator, o),
    /** Upserts the insights of one window (redacted); returns the keys written. */
    recordWindowInsights: (w: Parameters<typeof upsertWindowInsights>[1]) =>
      upsertWindowInsights(db.operator, { ...w, insights: db.redact(w.insights) }),
    /** Live insights, most severe first: every tenant's and the global ones (operator), or a tenant's own. */
    list: (opts: Parameters<typeof listInsights>[1] = {}) => db.run(opts.tenantId, (q) => listInsights(q, opts)),
  };
}
export type InsightRepository = ReturnType<typeof insightRepository>;
