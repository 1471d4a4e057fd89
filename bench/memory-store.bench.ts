/**
 * Memory-store benchmark (`npm run bench`).
 *
 * Seeds `memory_entries` with BENCH_ENTRIES (default 100,000) entries of varied text, then times
 * BENCH_OPS (default 2000) sequential calls of each store operation next to the floor that raw
 * `pg` reaches on the same database in the same run:
 *   (a) store.store of a new key        vs (e) raw single-row insert into a table like memory_entries
 *   (b) store.retrieve, cache miss      vs (f) raw single-row select by primary key
 *   (c) store.retrieve, cache hit
 *   (d) store.search, 1-3 vocabulary words, one tenant
 * Each pair is interleaved (a, e, a, e, ...) so that both sides see the same database state.
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54400, or, with DATABASE_URL, the scratch
 * database `brainops_bench` on that server (dropped and recreated).
 */
import { memoryInput } from '../src/contracts/memory';
import { randomUUID } from 'node:crypto';
import {
  MEMORY_TYPES,
  MemoryStore,
  migrate,
  type MemoryIdentity,
  type Scope,
  type StoreMemoryInput,
} from '../src/memory';
import { VOCABULARY } from './vocabulary';
import {
  createBenchLogger,
  envInt,
  exitAfterCleanup,
  fmtMb,
  fmtMs,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  now,
  printFacts,
  printTable,
  serverVersion,
  startBenchDatabase,
  summarize,
  type BenchDatabase,
} from './lib';

const ENTRIES = envInt('BENCH_ENTRIES', 100_000);
const OPS = envInt('BENCH_OPS', 2000);
const WARMUP = Math.min(100, Math.ceil(OPS / 10));
const HIT_KEYS = 20;
const SEED_CHUNK = 10_000;
const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const AGENTS = ['ContextKeeper', 'SystemMonitor', 'SupportAgent', 'BillingAgent'];
const CATEGORIES = ['operations', 'engineering', 'product', 'support', 'finance', 'sales'];
const RATIO_TARGET = 1.5;
/** Search p95 targets: under 50 ms up to 100,000 entries, under 100 ms at 1,000,000. */
const SEARCH_P95_TARGET_MS = ENTRIES > 100_000 ? 100 : 50;

const logger = createBenchLogger('bench-memory-store');

// ---------------------------------------------------------------------------------------------
// Text

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Vocabulary word, skewed towards the front of the list (like word frequencies in real text). */
function skewedWord(): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * Math.random() ** 2)]!;
}

function words(n: number, word: () => string = skewedWord): string {
  return Array.from({ length: n }, word).join(' ');
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Seeding

/**
 * One statement inserting entries `$2..$3`: titles of 3-8 and bodies of 15-64 words drawn with the
 * same skew as {@link skewedWord}, 1-3 tags, five tenants plus 5 % shared (tenant-less) entries,
 * tenant/user/agent/session scopes, every memory type, four layers with their TTLs, priorities,
 * importance, access counts and update times spread over the last 25 days.
 */
const SEED_SQL = `
  with p as (select $1::text[] as w, cardinality($1::text[]) as nw)
  insert into memory_entries (key, value, title, content, memory_type, layer, scope, priority, importance,
    category, source, tags, tenant_id, user_id, session_id, agent_id, metadata,
    created_at, updated_at, expires_at, access_count, last_accessed_at)
  select
    a.memory_type || '/' || lpad(to_hex(g.i), 6, '0'),
    jsonb_build_object('n', g.i, 'score', round((r.r5 * 100)::numeric, 1)),
    initcap(t.title),
    c.content,
    a.memory_type, a.layer, a.scope, a.priority,
    round(r.r6::numeric, 2)::real,
    ($6::text[])[1 + floor(r.r7 * cardinality($6::text[]))::int],
    'bench-seed',
    tg.tags,
    a.tenant_id,
    case when a.scope = 'user' then 'user-' || (g.i % 400) end,
    case when a.scope = 'session' then 'sess-' || (g.i % 2000) end,
    case when a.scope = 'agent' then ($5::text[])[1 + g.i % cardinality($5::text[])] end,
    jsonb_build_object('seeded', true),
    r.updated_at - r.r8 * interval '5 days',
    r.updated_at,
    case a.layer when 'short_term' then r.updated_at + interval '30 days'
                 when 'long_term' then r.updated_at + interval '365 days' end,
    floor(power(r.r9, 3) * 50)::int,
    case when r.r9 > 0.3 then r.updated_at end
  from p, generate_series($2::int, $3::int) as g(i)
  cross join lateral (
    select random() as r1, random() as r2, random() as r3, random() as r4, random() as r5,
      random() as r6, random() as r7, random() as r8, random() as r9,
      now() - random() * interval '25 days' as updated_at
    where g.i is not null) as r
  cross join lateral (
    select
      case when g.i % 20 = 0 then null else ($4::text[])[1 + floor(r.r1 * cardinality($4::text[]))::int] end as tenant_id,
      s.scope,
      case when s.scope = 'session' then 'session'
           when r.r3 < 0.4 then 'short_term' when r.r3 < 0.8 then 'long_term' else 'permanent' end as layer,
      ($7::text[])[1 + floor(r.r4 * cardinality($7::text[]))::int] as memory_type,
      case when r.r5 < 0.05 then 'critical' when r.r5 < 0.25 then 'high' when r.r5 < 0.8 then 'medium' else 'low' end as priority
    from (select case when g.i % 20 = 0 then 'global'
                      when r.r2 < 0.55 then 'tenant' when r.r2 < 0.75 then 'user'
                      when r.r2 < 0.9 then 'agent' else 'session' end as scope) as s) as a
  cross join lateral (
    select string_agg(p.w[1 + floor(p.nw * power(random(), 2))::int + 0 * x.k], ' ') as title
    from generate_series(1, 3 + g.i % 6) as x(k)) as t
  cross join lateral (
    select string_agg(p.w[1 + floor(p.nw * power(random(), 2))::int + 0 * x.k], ' ') as content
    from generate_series(1, 15 + (g.i::bigint * 7919) % 50) as x(k)) as c
  cross join lateral (
    select array_agg(distinct p.w[1 + floor(p.nw * random())::int + 0 * x.k]) as tags
    from generate_series(1, 1 + g.i % 3) as x(k)) as tg`;
// (\`+ 0 * x.k\` ties each aggregate to its own subquery; otherwise PostgreSQL assigns it to the
// outer query, whose columns are the only ones it mentions.)

async function seed(store: MemoryStore): Promise<number> {
  const started = now();
  for (let from = 1; from <= ENTRIES; from += SEED_CHUNK) {
    const to = Math.min(ENTRIES, from + SEED_CHUNK - 1);
    const client = await store.pool.connect();
    try {
      await client.query('begin');
      await client.query(`set local work_mem = '64MB'`);
      await client.query(SEED_SQL, [VOCABULARY, from, to, TENANTS, AGENTS, CATEGORIES, MEMORY_TYPES]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    process.stderr.write(`\rseeding: ${to} / ${ENTRIES} entries`);
  }
  process.stderr.write('\n');
  await store.pool.query('vacuum (analyze) memory_entries');
  return (now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Measurement

type Op = (i: number) => Promise<unknown>;

/** Runs `warmup` untimed calls, then `n` timed sequential calls of each op, interleaved. */
async function measure(n: number, warmup: number, ops: Op[]): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const op of ops) await op(i);
  const samples = ops.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    // Alternate which op goes first so neither always follows the other.
    const order = i % 2 === 0 ? ops.map((_, k) => k) : ops.map((_, k) => ops.length - 1 - k);
    for (const k of order) {
      const started = now();
      await ops[k]!(warmup + i);
      samples[k]!.push(now() - started);
    }
  }
  return samples;
}

interface SeededIdentity {
  id: string;
  identity: MemoryIdentity;
}

async function sampleIdentities(store: MemoryStore, count: number): Promise<SeededIdentity[]> {
  const result = await store.pool.query<{
    id: string;
    key: string;
    scope: Scope;
    tenant_id: string | null;
    user_id: string | null;
    session_id: string | null;
    agent_id: string | null;
  }>(
    `select id, key, scope, tenant_id, user_id, session_id, agent_id from memory_entries
     where archived_at is null and (expires_at is null or expires_at > now())
     order by random() limit $1`,
    [count],
  );
  return result.rows.map((r) => ({
    id: r.id,
    identity: {
      key: r.key,
      scope: r.scope,
      tenantId: r.tenant_id ?? undefined,
      userId: r.user_id ?? undefined,
      sessionId: r.session_id ?? undefined,
      agentId: r.agent_id ?? undefined,
    },
  }));
}

function newEntry(runTag: string, i: number): StoreMemoryInput {
  const tenantId = pick(TENANTS);
  return {
    key: `bench/${runTag}/${i}`,
    value: { n: i, note: words(3) },
    title: sentenceCase(words(3 + (i % 6))),
    content: sentenceCase(words(15 + ((i * 7919) % 50))),
    memoryType: pick(MEMORY_TYPES),
    layer: Math.random() < 0.5 ? 'short_term' : 'long_term',
    scope: 'tenant',
    tenantId,
    priority: pick(['critical', 'high', 'medium', 'low'] as const),
    importance: Math.round(Math.random() * 100) / 100,
    category: pick(CATEGORIES),
    source: 'bench',
    tags: [...new Set([pick(VOCABULARY), pick(VOCABULARY)])],
    metadata: { bench: true },
  };
}

/** The same row as {@link newEntry}, as the 19 parameters of a hand-written insert. */
function rawParams(entry: StoreMemoryInput): unknown[] {
  const ttlDays = entry.layer === 'short_term' ? 30 : 365;
  return [
    entry.key,
    JSON.stringify(entry.value),
    entry.title,
    entry.content,
    entry.memoryType,
    entry.layer,
    entry.scope,
    entry.priority,
    entry.importance,
    entry.category,
    entry.source,
    entry.tags,
    entry.tenantId,
    null,
    null,
    null,
    JSON.stringify(entry.metadata),
    new Date(Date.now() + ttlDays * 86_400_000),
    null,
  ];
}

/**
 * The floor's table: same columns, defaults, checks, generated search vector, the same rows and
 * the same indexes (built after the copy) as `memory_entries`, but no triggers.
 */
async function createRawTable(store: MemoryStore): Promise<number> {
  const started = now();
  await store.pool.query(
    'create table bench_raw_entries (like memory_entries including defaults including generated including constraints including storage)',
  );
  const columns = await store.pool.query<{ list: string }>(
    `select string_agg(quote_ident(column_name), ', ' order by ordinal_position) as list
     from information_schema.columns
     where table_schema = current_schema() and table_name = 'memory_entries' and is_generated = 'NEVER'`,
  );
  const list = columns.rows[0]!.list;
  await store.pool.query(`insert into bench_raw_entries (${list}) select ${list} from memory_entries`);
  const indexes = await store.pool.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
     where schemaname = current_schema() and tablename = 'memory_entries'`,
  );
  for (const { name, def } of indexes.rows) {
    await store.pool.query(
      def
        .replace(`INDEX ${name} ON`, `INDEX bench_raw_${name} ON`)
        .replace(/ ON (\S+\.)?memory_entries /, ' ON bench_raw_entries '),
    );
  }
  await store.pool.query('vacuum (analyze) bench_raw_entries');
  return (now() - started) / 1000;
}

const RAW_INSERT = `
  insert into bench_raw_entries (key, value, title, content, memory_type, layer, scope, priority,
    importance, category, source, tags, tenant_id, user_id, session_id, agent_id, metadata, expires_at,
    last_write_id)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`;

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let db: BenchDatabase | undefined;
  let store: MemoryStore | undefined;
  try {
    const startedAll = now();
    db = await startBenchDatabase({ port: 54400, database: 'bench', logger });
    await migrate({ databaseUrl: db.url, logger });
    store = await MemoryStore.connect({ databaseUrl: db.url, logger, poolSize: 4 });
    const pgVersion = await serverVersion(db.url);

    const seedSeconds = await seed(store);
    const size = await store.pool.query<{ table: string; total: string; rows: string }>(
      `select pg_table_size('memory_entries')::text as table, pg_total_relation_size('memory_entries')::text as total,
         (select count(*) from memory_entries)::text as rows`,
    );
    const rawSeconds = await createRawTable(store);

    const needed = WARMUP + OPS;
    const sample = await sampleIdentities(store, 2 * needed + HIT_KEYS);
    if (sample.length < 2 * needed + HIT_KEYS) {
      throw new Error(
        `need ${2 * needed + HIT_KEYS} seeded entries to sample, have ${sample.length}; raise BENCH_ENTRIES or lower BENCH_OPS`,
      );
    }
    const missIdentities = sample.slice(0, needed);
    const selectIds = sample.slice(needed, 2 * needed).map((s) => s.id);
    const hitIdentities = sample.slice(2 * needed).map((s) => s.identity);

    const runTag = randomUUID().slice(0, 8);
    const storeInputs = Array.from({ length: needed }, (_, i) => newEntry(runTag, i));
    const rawInputs = Array.from({ length: needed }, (_, i) => rawParams(newEntry(`${runTag}-raw`, i)));
    const searches = Array.from({ length: needed }, () => {
      const wordCount = 1 + Math.floor(Math.random() * 3);
      return { wordCount, input: { query: words(wordCount, () => pick(VOCABULARY)), tenantId: pick(TENANTS) } };
    });

    // (a) / (e): writes.
    const [storeMs, rawInsertMs] = await measure(OPS, WARMUP, [
      (i) => store!.entries.store(memoryInput.store(storeInputs[i]!)),
      (i) => store!.pool.query(RAW_INSERT, rawInputs[i]),
    ]);

    // (b) / (f): reads that reach the database.
    let missNulls = 0;
    const [missMs, rawSelectMs] = await measure(OPS, WARMUP, [
      async (i) => {
        if ((await store!.entries.retrieve(memoryInput.identity(missIdentities[i]!.identity))) === null) missNulls++;
      },
      (i) => store!.pool.query('select * from memory_entries where id = $1', [selectIds[i]]),
    ]);

    // (c): the same few keys, served from the read-through cache.
    for (const identity of hitIdentities) await store.entries.retrieve(memoryInput.identity(identity));
    const cacheBefore = (await store.entries.stats()).cache;
    const [hitMs] = await measure(OPS, WARMUP, [
      (i) => store!.entries.retrieve(memoryInput.identity(hitIdentities[i % HIT_KEYS]!)),
    ]);
    const cacheAfter = (await store.entries.stats()).cache;

    // (d): full-text search within a tenant.
    let hitsReturned = 0;
    let emptySearches = 0;
    const [searchMs] = await measure(OPS, WARMUP, [
      async (i) => {
        const hits = await store!.entries.search(memoryInput.search(searches[i]!.input));
        if (i >= WARMUP) {
          hitsReturned += hits.length;
          if (hits.length === 0) emptySearches++;
        }
      },
    ]);

    const s = {
      store: summarize(storeMs!),
      rawInsert: summarize(rawInsertMs!),
      miss: summarize(missMs!),
      rawSelect: summarize(rawSelectMs!),
      hit: summarize(hitMs!),
      search: summarize(searchMs!),
    };
    const searchByWords = [1, 2, 3].map((n) =>
      summarize(searchMs!.filter((_, k) => searches[WARMUP + k]!.wordCount === n)),
    );

    heading('BrainOps memory-store benchmark');
    printFacts([
      ['machine', machineLine()],
      ['database', `PostgreSQL ${pgVersion}, ${db.description}`],
      [
        'seed',
        `${Number(size.rows[0]!.rows).toLocaleString('en-US')} entries in ${seedSeconds.toFixed(1)} s ` +
          `(${TENANTS.length} tenants + 5 % shared, ${MEMORY_TYPES.length} memory types, 4 layers, ${VOCABULARY.length}-word vocabulary); ` +
          `table ${fmtMb(Number(size.rows[0]!.table))} MB, with indexes ${fmtMb(Number(size.rows[0]!.total))} MB`,
      ],
      [
        'method',
        `${OPS} sequential calls per operation after ${WARMUP} warm-up calls; MemoryStore pool size 4; pairs interleaved`,
      ],
    ]);
    console.log('');
    printTable(
      ['operation', ...LATENCY_HEADERS],
      [
        ['(a) store.store, new key', ...latencyCells(s.store)],
        ['(e) raw pg insert (floor)', ...latencyCells(s.rawInsert)],
        ['(b) store.retrieve, cache miss', ...latencyCells(s.miss)],
        ['(f) raw pg select by id (floor)', ...latencyCells(s.rawSelect)],
        ['(c) store.retrieve, cache hit', ...latencyCells(s.hit)],
        ['(d) store.search, 1-3 words', ...latencyCells(s.search)],
        ...searchByWords.map((summary, k) => [`    of which ${k + 1}-word queries`, ...latencyCells(summary)]),
      ],
    );
    console.log('');
    printFacts([
      [
        '(e) table',
        `bench_raw_entries: a copy of memory_entries (same columns, generated search vector, rows and indexes; no triggers), built in ${rawSeconds.toFixed(1)} s`,
      ],
      [
        '(b) reads',
        `${missIdentities.length} distinct seeded keys, each read once${missNulls ? `; ${missNulls} returned null (!)` : ''}`,
      ],
      [
        '(c) reads',
        `${HIT_KEYS} keys, ${WARMUP + OPS} calls; cache counted ${cacheAfter.hits - cacheBefore.hits} hits, ${cacheAfter.misses - cacheBefore.misses} misses`,
      ],
      [
        '(d) results',
        `mean ${(hitsReturned / OPS).toFixed(1)} hits per search (limit 20); ${((100 * emptySearches) / OPS).toFixed(1)} % of searches found nothing; ` +
          'natural-language BM25 over any of the words: a tenant of up to 5,000 entries is ranked exactly, a larger one from the entries of its most selective words',
      ],
    ]);

    const ratio = s.store.p50 / s.rawInsert.p50;
    heading('Targets');
    console.log(
      `store p50 / raw insert p50 = ${ratio.toFixed(2)} (target <= ${RATIO_TARGET}) ${ratio <= RATIO_TARGET ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `search p95 = ${fmtMs(s.search.p95)} ms (target < ${SEARCH_P95_TARGET_MS} ms) ${s.search.p95 < SEARCH_P95_TARGET_MS ? 'MET' : 'NOT MET'}`,
    );
    console.log(`\ntotal run time ${((now() - startedAll) / 1000).toFixed(1)} s`);
  } finally {
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the store failed'));
    await db?.stop().catch((error: unknown) => logger.error({ err: error }, 'stopping PostgreSQL failed'));
  }
}

main().then(
  () => exitAfterCleanup(0, logger),
  (error: unknown) => {
    logger.error({ err: error }, 'benchmark failed');
    console.error(error);
    exitAfterCleanup(1, logger);
  },
);
