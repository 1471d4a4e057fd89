/**
 * Performance findings of one PostgreSQL database, from its statistics views (read-only; nothing
 * is changed on the database): top statements from `pg_stat_statements` when the extension is
 * loaded, sequential scans on large tables, unused and duplicate indexes, table and index bloat
 * estimates, dead tuples and autovacuum lag, connection use, long-running and idle-in-transaction
 * sessions, and the cache hit ratio. Each finding has a stable key (database, kind, object), a
 * severity and a recommended action.
 */
import type { ClientBase } from 'pg';
import type { Finding } from '../../contracts/database-guardian';
import type { Severity } from '../../contracts/insight';
import type { FindingThresholds } from '../../contracts/guarded-database';

/** A finding before it is stored: an insight whose key is derived from database, kind and object. */

/** The first 60 characters of a statement, white space folded, for a finding's title. */
function statementHead(query: string): string {
  const folded = query.replace(/\s+/g, ' ').trim();
  return folded.length > 60 ? `${folded.slice(0, 59)}…` : folded;
}

/** Key of a finding's insight entry: `insight/database/<database>/<kind>/<object>`. */
export function findingKey(database: string, f: Pick<Finding, 'kind' | 'object'>): string {
  return `${findingKeyPrefix(database)}${f.kind}/${f.object}`.slice(0, 512);
}

/**
 * Which kinds each guardian task checks, so a task resolves only the findings it could have seen
 * again: `schema` and `backup` own theirs; `performance` owns every other kind.
 */
export const FINDING_FAMILIES = Object.freeze({
  schema: ['schema-drift', 'migrations'],
  backup: ['backup-failed'],
});
export type FindingFamily = keyof typeof FINDING_FAMILIES | 'performance';

/** `kinds`/`exclude` of the findings a family owns (for `resolveObservations`). */
export function familyKinds(family: FindingFamily): { kinds: string[]; exclude: boolean } {
  if (family === 'performance') return { kinds: Object.values(FINDING_FAMILIES).flat(), exclude: true };
  return { kinds: [...FINDING_FAMILIES[family]], exclude: false };
}

/** Prefix of every finding of a database. */
export function findingKeyPrefix(database: string): string {
  return `insight/database/${database}/`;
}

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema')`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type Check = (db: ClientBase, t: FindingThresholds, database: string) => Promise<Finding[]>;

/** Top statements by total and by mean time, or one `info` finding saying the extension is missing. */
const statements: Check = async (db, t, database) => {
  const state = await db.query<{ installed: boolean; loaded: boolean }>(
    `select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as installed,
       current_setting('shared_preload_libraries') ~ '(^|[ ,])pg_stat_statements($|[ ,])' as loaded`,
  );
  const { installed, loaded } = state.rows[0]!;
  if (!installed || !loaded) {
    return [
      {
        kind: 'pg-stat-statements-unavailable',
        object: database,
        subject: database,
        severity: 'info',
        title: `pg_stat_statements is not available on ${database}`,
        detail: `Slow-query findings need the pg_stat_statements extension (${loaded ? 'loaded' : 'not in shared_preload_libraries'}, ${installed ? 'installed' : 'not created in this database'}).`,
        recommendedAction: `${loaded ? '' : 'add pg_stat_statements to shared_preload_libraries and restart, then '}run CREATE EXTENSION pg_stat_statements in ${database}`,
        actionable: false,
        evidence: { installed, loaded },
      },
    ];
  }
  const top = await db.query<{
    queryid: string;
    query: string;
    calls: number;
    total_ms: number;
    mean_ms: number;
    rows: number;
    by: 'total' | 'mean';
  }>(
    `with s as (
       select queryid::text, left(regexp_replace(query, '\\s+', ' ', 'g'), 500) as query, calls::float8 as calls,
         total_exec_time::float8 as total_ms, mean_exec_time::float8 as mean_ms, rows::float8 as rows
       from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database()) and queryid is not null
         and query !~* 'pg_stat_statements|pg_stat_activity|pg_catalog\\.|pg_stat_user|pg_class')
     (select *, 'total' as by from s order by total_ms desc limit $1)
     union all
     (select *, 'mean' as by from s where mean_ms >= $2 order by mean_ms desc limit $1)`,
    [t.topQueries, t.slowQueryMeanMs],
  );
  return top.rows.map((q): Finding => {
    const slow = q.by === 'mean';
    const severity: Severity = slow ? (q.mean_ms >= t.slowQueryMeanMs * 10 ? 'high' : 'medium') : 'info';
    return {
      kind: slow ? 'slow-query' : 'top-query',
      object: q.queryid,
      subject: database,
      severity,
      // The statement's opening words tell two top queries apart in a list of titles.
      title: `${slow ? `Slow query on ${database}: ${round(q.mean_ms)} ms mean` : `Top query by total time on ${database}: ${round(q.total_ms / 1000, 2)} s`} over ${q.calls} calls: ${statementHead(q.query)}`,
      detail: `${q.query}`,
      recommendedAction: slow
        ? 'EXPLAIN (ANALYZE, BUFFERS) it: add an index for its filter or join columns, or rewrite it to read fewer rows'
        : 'the query that costs most in total: make sure it uses an index, or call it less often (cache, batch)',
      actionable: slow,
      evidence: {
        queryid: q.queryid,
        query: q.query,
        calls: q.calls,
        totalMs: round(q.total_ms),
        meanMs: round(q.mean_ms, 2),
        rows: q.rows,
      },
    };
  });
};

/**
 * Large tables read by many full sequential scans, whose rows come mostly from those scans rather
 * than from indexes: missing-index candidates.
 */
const sequentialScans: Check = async (db, t, database) => {
  const result = await db.query<{
    tbl: string;
    seq_scan: number;
    seq_tup_read: number;
    idx_scan: number;
    live: number;
    bytes: number;
  }>(
    // Rows: the planner's estimate (pg_class.reltuples, kept by ANALYZE and autovacuum), which
    // unlike n_live_tup does not drift with statistics flushed out of order.
    `select s.schemaname || '.' || s.relname as tbl, s.seq_scan::float8, s.seq_tup_read::float8,
       coalesce(s.idx_scan, 0)::float8 as idx_scan, greatest(c.reltuples, s.n_live_tup)::float8 as live,
       pg_total_relation_size(s.relid)::float8 as bytes
     from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where greatest(c.reltuples, s.n_live_tup) >= $1::float8 and s.seq_scan >= $2::int
       and s.seq_tup_read::float8 / s.seq_scan >= $1::float8
       and s.seq_tup_read > 10 * coalesce(s.idx_tup_fetch, 0)
     order by s.seq_tup_read desc limit 20`,
    [t.largeTableRows, t.minSeqScans],
  );
  return result.rows.map((r) => ({
    kind: 'seq-scan',
    object: r.tbl,
    subject: database,
    severity: r.seq_scan >= 1000 ? 'high' : 'medium',
    title: `Missing index candidate on ${database}: ${r.tbl} (about ${r.live} rows) read by ${r.seq_scan} sequential scans`,
    detail: `${r.tbl} has about ${r.live} rows (${mb(r.bytes)}); ${r.seq_scan} sequential scans read ${r.seq_tup_read} rows (${Math.round(r.seq_tup_read / r.seq_scan)} per scan), against ${r.idx_scan} index scans.`,
    recommendedAction: `find the queries that filter ${r.tbl} (pg_stat_statements, or EXPLAIN shows "Seq Scan on ${r.tbl.split('.').pop()}") and create an index on the columns they filter by`,
    actionable: true,
    evidence: {
      table: r.tbl,
      seqScans: r.seq_scan,
      seqRowsRead: r.seq_tup_read,
      indexScans: r.idx_scan,
      liveRows: r.live,
      bytes: r.bytes,
    },
  }));
};

/** Indexes never scanned since statistics were reset (not unique, not backing a constraint). */
const unusedIndexes: Check = async (db, t, database) => {
  const result = await db.query<{ idx: string; tbl: string; bytes: number; since: Date | null }>(
    `select s.schemaname || '.' || s.indexrelname as idx, s.schemaname || '.' || s.relname as tbl,
       pg_relation_size(s.indexrelid)::float8 as bytes,
       (select stats_reset from pg_stat_database where datname = current_database()) as since
     from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
     where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
       and not exists (select 1 from pg_constraint c where c.conindid = s.indexrelid)
       and pg_relation_size(s.indexrelid) >= $1
     order by bytes desc limit 20`,
    [t.unusedIndexMinBytes],
  );
  return result.rows.map((r) => ({
    kind: 'unused-index',
    object: r.idx,
    subject: database,
    severity: r.bytes >= 100 * 1024 * 1024 ? 'medium' : 'low',
    title: `Unused index on ${database}: ${r.idx} (${mb(r.bytes)})`,
    detail: `${r.idx} on ${r.tbl} has not been scanned since statistics were ${r.since ? `reset at ${r.since.toISOString()}` : 'started'}; it still costs every write and ${mb(r.bytes)} of disk.`,
    recommendedAction: `check replicas and rare jobs use it neither, then DROP INDEX CONCURRENTLY ${r.idx}`,
    actionable: true,
    evidence: { index: r.idx, table: r.tbl, bytes: r.bytes },
  }));
};

/**
 * Indexes with the same table, columns, operator classes, collations, sort orders (`indoption`:
 * `(a, b desc)` serves orderings `(a, b)` cannot), expressions and predicate.
 */
const duplicateIndexes: Check = async (db, _t, database) => {
  const result = await db.query<{ tbl: string; indexes: string[]; bytes: number }>(
    `select i.indrelid::regclass::text as tbl, array_agg(i.indexrelid::regclass::text order by i.indexrelid::regclass::text) as indexes,
       sum(pg_relation_size(i.indexrelid))::float8 as bytes
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname !~ '^pg_toast'
     group by i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
       coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
     having count(*) > 1`,
  );
  return result.rows.map((r) => ({
    kind: 'duplicate-index',
    object: r.indexes.join('+'),
    subject: database,
    severity: 'medium',
    title: `Duplicate indexes on ${database}: ${r.indexes.join(', ')}`,
    detail: `${r.indexes.join(', ')} index ${r.tbl} identically (${mb(r.bytes)} together); every write updates each of them.`,
    recommendedAction: `keep one (the one a constraint uses, if any) and DROP INDEX CONCURRENTLY the others: ${r.indexes.slice(1).join(', ')}`,
    actionable: true,
    evidence: { table: r.tbl, indexes: r.indexes, bytes: r.bytes },
  }));
};

/**
 * Table and btree index bloat, estimated from planner statistics (row count, average column
 * widths, fill factor) against the pages actually used — an estimate, good to a few tens of
 * percent; run ANALYZE first for fresh figures, or pgstattuple for exact ones.
 */
const bloat: Check = async (db, t, database) => {
  const result = await db.query<{
    kind: 'table' | 'index';
    name: string;
    tbl: string;
    bytes: number;
    expected_bytes: number;
  }>(
    `with tables as (
       select c.oid, n.nspname, c.relname, c.relpages::float8 as pages, c.reltuples::float8 as tuples,
         current_setting('block_size')::float8 as bs,
         coalesce((select (regexp_match(array_to_string(c.reloptions, ','), 'fillfactor=(\\d+)'))[1]::float8), 100) as ff,
         (select sum((1 - coalesce(s.null_frac, 0)) * s.avg_width) from pg_stats s
           where s.schemaname = n.nspname and s.tablename = c.relname) as width
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname !~ '^pg_toast'
         and c.relpages > 0 and c.reltuples > 0),
     indexes as (
       select ci.oid, n.nspname, ci.relname, ct.relname as tbl, ci.relpages::float8 as pages, ci.reltuples::float8 as tuples,
         current_setting('block_size')::float8 as bs,
         (select sum(s.avg_width) from pg_attribute a join pg_stats s
             on s.schemaname = n.nspname and s.tablename = ct.relname and s.attname = a.attname
           where a.attrelid = ct.oid and a.attnum = any(i.indkey)) as width,
         (select count(*) from unnest(i.indkey) k where k = 0) as expressions
       from pg_index i join pg_class ci on ci.oid = i.indexrelid join pg_class ct on ct.oid = i.indrelid
       join pg_namespace n on n.oid = ci.relnamespace join pg_am am on am.oid = ci.relam
       where am.amname = 'btree' and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname !~ '^pg_toast'
         and ci.relpages > 1 and ci.reltuples > 0)
     select 'table' as kind, nspname || '.' || relname as name, nspname || '.' || relname as tbl, pages * bs as bytes,
       -- tuple header (23 bytes, aligned to 24) and data, the whole aligned to 8 (MAXALIGN), and a
       -- line pointer (4) per row; page header 24 bytes
       ceil(tuples * (8 * ceil((24 + width) / 8.0) + 4) / ((bs - 24) * ff / 100)) * bs as expected_bytes
     from tables where width is not null
     union all
     -- index tuple header (8) and data aligned to 8, and a line pointer (4) per entry; page header
     -- and btree special space 40 bytes; leaf fill 90%
     select 'index', nspname || '.' || relname, nspname || '.' || tbl, pages * bs,
       (ceil(tuples * (8 * ceil((8 + width) / 8.0) + 4) / ((bs - 40) * 0.9)) + 1) * bs
     from indexes where width is not null and expressions = 0`,
  );
  return result.rows
    .map((r) => ({
      ...r,
      wasted: r.bytes - r.expected_bytes,
      ratio: r.bytes > 0 ? (r.bytes - r.expected_bytes) / r.bytes : 0,
    }))
    .filter((r) => r.wasted >= t.bloatMinBytes && r.ratio >= t.bloatRatio)
    .map((r) => ({
      kind: r.kind === 'table' ? 'table-bloat' : 'index-bloat',
      object: r.name,
      subject: database,
      severity: r.ratio >= 0.6 ? 'high' : 'medium',
      title: `${r.kind === 'table' ? 'Table' : 'Index'} bloat on ${database}: ${r.name} about ${Math.round(r.ratio * 100)}% wasted (${mb(r.wasted)})`,
      detail: `${r.name} uses ${mb(r.bytes)} where its rows need about ${mb(r.expected_bytes)} (estimate from planner statistics).`,
      recommendedAction:
        r.kind === 'table'
          ? `VACUUM (ANALYZE) ${r.name} and check autovacuum keeps up; to return the space, pg_repack or VACUUM FULL in a quiet window`
          : `REINDEX INDEX CONCURRENTLY ${r.name}`,
      actionable: true,
      evidence: {
        relation: r.name,
        table: r.tbl,
        bytes: r.bytes,
        expectedBytes: r.expected_bytes,
        wastedRatio: round(r.ratio, 3),
      },
    }));
};

/** Dead tuples beyond the thresholds, with whether autovacuum is behind its own trigger point. */
const deadTuples: Check = async (db, t, database) => {
  const result = await db.query<{ tbl: string; live: number; dead: number; last_vacuum: Date | null; trigger: number }>(
    `select s.schemaname || '.' || s.relname as tbl, s.n_live_tup::float8 as live, s.n_dead_tup::float8 as dead,
       greatest(s.last_autovacuum, s.last_vacuum) as last_vacuum,
       current_setting('autovacuum_vacuum_threshold')::float8
         + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0) as trigger
     from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where s.n_dead_tup >= $1::float8 and s.n_dead_tup >= $2::float8 * greatest(s.n_live_tup, 1)
     order by s.n_dead_tup desc limit 20`,
    [t.deadTuplesMin, t.deadTupleRatio],
  );
  return result.rows.map((r) => {
    const lagging = r.dead > r.trigger;
    return {
      kind: 'dead-tuples',
      object: r.tbl,
      subject: database,
      severity: r.dead >= r.live ? 'high' : 'medium',
      title: `Dead tuples on ${database}: ${r.tbl} has ${r.dead} dead rows for ${r.live} live`,
      detail:
        `${r.tbl}: ${r.dead} dead, ${r.live} live rows; last vacuum ${r.last_vacuum ? r.last_vacuum.toISOString() : 'never'}. ` +
        (lagging
          ? `Autovacuum is behind: its trigger point is ${Math.round(r.trigger)} dead rows.`
          : 'Autovacuum has not reached its trigger point yet.'),
      recommendedAction: lagging
        ? `VACUUM (ANALYZE) ${r.tbl}; lower autovacuum_vacuum_scale_factor for it or raise autovacuum_max_workers / cost limit`
        : `watch it; VACUUM (ANALYZE) ${r.tbl} if it keeps growing`,
      actionable: lagging,
      evidence: {
        table: r.tbl,
        deadRows: r.dead,
        liveRows: r.live,
        autovacuumTrigger: Math.round(r.trigger),
        lastVacuum: r.last_vacuum,
        autovacuumLagging: lagging,
      },
    };
  });
};

/** Client connections against `max_connections` less the reserved ones. */
const connections: Check = async (db, t, database) => {
  const result = await db.query<{ used: number; max: number; reserved: number; by_state: Record<string, number> }>(
    `select (select count(*) from pg_stat_activity where backend_type = 'client backend')::int as used,
       current_setting('max_connections')::int as max, current_setting('superuser_reserved_connections')::int as reserved,
       (select coalesce(jsonb_object_agg(coalesce(state, 'unknown'), n), '{}') from
         (select state, count(*)::int as n from pg_stat_activity where backend_type = 'client backend' group by state) x) as by_state`,
  );
  const r = result.rows[0]!;
  const usable = Math.max(1, r.max - r.reserved);
  const ratio = r.used / usable;
  if (ratio < t.connectionUseRatio * 0.75) return [];
  return [
    {
      kind: 'connections',
      object: 'server',
      subject: database,
      severity: ratio >= t.connectionUseRatio ? 'high' : 'medium',
      title: `Connections on ${database}'s server at ${Math.round(ratio * 100)}% (${r.used} of ${usable})`,
      detail: `${r.used} client connections of max_connections ${r.max} (${r.reserved} reserved for superusers); by state: ${JSON.stringify(r.by_state)}.`,
      recommendedAction: 'put a pooler (PgBouncer) in front or shrink application pools; close idle connections',
      actionable: true,
      evidence: {
        used: r.used,
        maxConnections: r.max,
        reserved: r.reserved,
        ratio: round(ratio, 3),
        byState: r.by_state,
      },
    },
  ];
};

/** Statements running too long and sessions idle in a transaction too long, by statement. */
const longSessions: Check = async (db, t, database) => {
  const result = await db.query<{
    pid: number;
    usename: string;
    app: string;
    state: string;
    query: string;
    fp: string;
    seconds: number;
  }>(
    `select pid, usename, application_name as app, state, left(query, 300) as query, left(md5(query), 12) as fp,
       extract(epoch from now() - case when state = 'active' then query_start else state_change end)::float8 as seconds
     from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
       and ((state = 'active' and now() - query_start > make_interval(secs => $1))
         or (state like 'idle in transaction%' and now() - state_change > make_interval(secs => $2)))
     order by seconds desc limit 20`,
    [t.longQuerySeconds, t.idleInTransactionSeconds],
  );
  // One finding per kind and statement (its key): the longest session, with how many there are.
  const byKey = new Map<string, { row: (typeof result.rows)[number]; sessions: number }>();
  for (const row of result.rows) {
    const key = `${row.state === 'active'}/${row.fp}`;
    const seen = byKey.get(key);
    if (seen) seen.sessions += 1;
    else byKey.set(key, { row, sessions: 1 });
  }
  return [...byKey.values()].map(({ row: r, sessions }) => {
    const idle = r.state !== 'active';
    return {
      kind: idle ? 'idle-in-transaction' : 'long-running-query',
      object: r.fp,
      subject: database,
      severity: idle ? 'high' : r.seconds >= t.longQuerySeconds * 10 ? 'high' : 'medium',
      title: idle
        ? `Session idle in transaction on ${database} for ${Math.round(r.seconds)} s (pid ${r.pid}, ${r.usename}${sessions > 1 ? `; ${sessions} sessions` : ''})`
        : `Query running on ${database} for ${Math.round(r.seconds)} s (pid ${r.pid}, ${r.usename}${sessions > 1 ? `; ${sessions} sessions` : ''})`,
      detail: `${r.app ? `${r.app}: ` : ''}${r.query}`,
      recommendedAction: idle
        ? `the application holds a transaction open (locks, no vacuum): fix it to commit promptly; set idle_in_transaction_session_timeout; pg_terminate_backend(${r.pid}) if stuck`
        : `EXPLAIN it; set statement_timeout for this role; pg_cancel_backend(${r.pid}) if it should not run`,
      actionable: true,
      evidence: {
        pid: r.pid,
        user: r.usename,
        application: r.app,
        state: r.state,
        seconds: round(r.seconds),
        query: r.query,
        sessions,
      },
    };
  });
};

/** Share of block reads served from shared buffers. */
const cacheHits: Check = async (db, t, database) => {
  const result = await db.query<{ hit: number; read: number }>(
    'select blks_hit::float8 as hit, blks_read::float8 as read from pg_stat_database where datname = current_database()',
  );
  const r = result.rows[0];
  if (!r || r.hit + r.read < t.cacheMinBlocks) return [];
  const ratio = r.hit / (r.hit + r.read);
  if (ratio >= t.cacheHitRatio) return [];
  return [
    {
      kind: 'cache-hit-ratio',
      object: database,
      subject: database,
      severity: ratio < t.cacheHitRatio - 0.1 ? 'high' : 'medium',
      title: `Cache hit ratio of ${database} is ${round(ratio * 100, 2)}% (target ${t.cacheHitRatio * 100}%)`,
      detail: `${r.hit} block reads were served from shared buffers and ${r.read} from disk or the OS cache.`,
      recommendedAction:
        'raise shared_buffers (about 25% of RAM), or find the queries reading most blocks (pg_stat_statements shared_blks_read) and index them',
      actionable: true,
      evidence: { blocksHit: r.hit, blocksRead: r.read, ratio: round(ratio, 4) },
    },
  ];
};

/** Every check, in the order findings are listed. */
export const CHECKS: Readonly<Record<string, Check>> = Object.freeze({
  statements,
  sequentialScans,
  unusedIndexes,
  duplicateIndexes,
  bloat,
  deadTuples,
  connections,
  longSessions,
  cacheHits,
});

/**
 * Runs every check on `db`. A check that fails (a permission, an old server) becomes an `info`
 * finding naming the error rather than hiding the others.
 */
export async function collectFindings(
  db: ClientBase,
  database: string,
  thresholds: FindingThresholds,
  onCheck?: () => void,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [name, check] of Object.entries(CHECKS)) {
    onCheck?.();
    try {
      findings.push(...(await check(db, thresholds, database)));
    } catch (error) {
      findings.push({
        kind: 'check-failed',
        object: name,
        subject: database,
        severity: 'info',
        title: `Check ${name} failed on ${database}`,
        detail: (error as Error).message,
        recommendedAction: 'grant the guardian role pg_monitor, or look at the error',
        actionable: false,
        evidence: { check: name, error: (error as Error).message },
      });
    }
  }
  return findings;
}
