/**
 * Search-latency benchmark (`npm run bench:search`): what a natural-language search costs on a
 * tenant of BENCH_DOCS (default 5,000) documents, half memory entries and half session messages,
 * in each of BENCH_TENANTS (default 3) tenants. Messages are the turns of the LoCoMo conversations
 * (`../shared/data/locomo-dev`, or the folder in BENCH_LOCOMO), entries are operations notes built
 * from the benchmark vocabulary; everything is embedded with the configured embedder (the local
 * one by default). BENCH_QUERIES (default 400) queries in the askers' words — LoCoMo questions as
 * asked, and operations questions built from the vocabulary the same way for every run, none chosen
 * for how it ranks — each run through, interleaved:
 *   (a) `MemoryStore.search`, hybrid (lexical + semantic + neighbouring turns), limit 10
 *   (b) `MemoryStore.search` of a store without an embedder: lexical alone
 *   (c) the floor: one raw `pg` statement per query, "any word" full-text over both tables of the
 *       tenant, `ts_rank` order, limit 10 (no row-level security, no BM25, no fusion)
 *   (d) a trivial indexed select (an entry by primary key)
 * after BENCH_WARMUP of each (figures of the warm-up's hybrid searches as (a0)),
 * then the per-stage durations of (a) (overlapping stages run in parallel), and the load average
 * beside every figure. Smoke size: `BENCH_DOCS=200 BENCH_QUERIES=20` (seconds).
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54420, or with DATABASE_URL the scratch
 * database `brainops_bench` on that server (dropped and recreated).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../temporal.config';
import { createEmbedder } from '../src/embeddings';
import { MemoryStore, memoryInput, migrate, type SearchMemoryInput } from '../src/memory';
import { Searcher, type SearchStage } from '../src/memory/search';
import { searchMemoryInputSchema } from '../src/contracts/memory';
import { TenantScope } from '../src/memory/tenant-scope';
import { embedAll, loadLocomo, OPS_QUESTIONS, pick, seedTenant, word } from './search-corpus';
import {
  createBenchLogger,
  envInt,
  fmtMs,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  now,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  startBenchDatabase,
  summarize,
} from './lib';

const DOCS = envInt('BENCH_DOCS', 5000);
const TENANTS = envInt('BENCH_TENANTS', 3);
const QUERIES = envInt('BENCH_QUERIES', 400);
/**
 * Searches of each kind before the timed ones (BENCH_WARMUP, default 200, at most half the
 * queries): a fresh process answers its first ~100 hybrid searches slower (p95 ~29 ms against
 * ~12 ms after; the traced searcher below, on new connections, is fast from the start, so it is
 * the process's code warming up, not PostgreSQL). The warm-up's own figures are printed as (a0).
 */
const WARMUP = envInt('BENCH_WARMUP', Math.min(200, Math.ceil(QUERIES / 2)));
const LIMIT = 10;
const TARGET_P95_MS = 15;
const logger = createBenchLogger('bench-search');

/** The floor: one statement, "any word" full-text over the tenant's entries and messages, by `ts_rank`. */
const FLOOR_SQL = `
  with q as (select coalesce(string_agg(quote_literal(lexeme), ' | '), '')::tsquery as tsq
             from unnest(to_tsvector('english', $2)))
  (select 'e:' || m.id::text as key, ts_rank(m.search_vector, q.tsq) as rank
   from memory_entries m, q where m.tenant_id = $1 and m.search_vector @@ q.tsq
   union all
   select 'm:' || m.session_id || '/' || m.seq, ts_rank(m.search_vector, q.tsq)
   from session_messages m, q where m.tenant_id = $1 and m.search_vector @@ q.tsq)
  order by rank desc limit ${LIMIT}`;

/** The load average (1, 5, 15 min), reported beside every figure: the machine may be shared. */
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const dir = path.resolve(process.env.BENCH_LOCOMO ?? path.join(root, '..', 'shared', 'data', 'locomo-dev'));
  if (!fs.existsSync(dir)) throw new Error(`no LoCoMo conversations at ${dir}: set BENCH_LOCOMO to their folder`);
  const locomo = loadLocomo(dir);
  const config = loadConfig();
  const embedder = createEmbedder(config.embeddings, config.cacheDir, (line) => logger.info(line));
  if (!embedder) throw new Error('BRAINOPS_EMBEDDINGS is off: the benchmark measures hybrid search');
  const db = await startBenchDatabase({ port: 54420, database: 'brainops_bench', logger });
  let hybrid: MemoryStore | undefined;
  let lexical: MemoryStore | undefined;
  let scope: TenantScope | undefined;
  try {
    await migrate({ databaseUrl: db.url, logger });
    hybrid = await MemoryStore.connect({ databaseUrl: db.url, logger, poolSize: 4, embedder });
    lexical = await MemoryStore.connect({ databaseUrl: db.url, logger, poolSize: 4 });
    const pool = hybrid.pool;
    const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i + 1}`);
    const seedStarted = now();
    for (const [i, tenant] of tenants.entries()) {
      await seedTenant(pool, tenant, DOCS, locomo.sessions, i * 37);
    }
    await pool.query('vacuum (analyze) memory_entries, session_messages, sessions');
    const seedSeconds = (now() - seedStarted) / 1000;
    await embedder.embed(['warm up']);
    const embedStarted = now();
    const embedded = await embedAll(hybrid, embedder);
    const embedSeconds = (now() - embedStarted) / 1000;
    await pool.query('vacuum (analyze) entry_embeddings, message_embeddings');

    const queries = Array.from({ length: WARMUP + QUERIES }, (_, i) => ({
      query: i % 2 === 0 ? pick(locomo.questions) : pick(OPS_QUESTIONS)(word(), word()),
      tenantId: pick(tenants),
    }));
    const ids = (
      await pool.query<{ id: string }>('select id::text from memory_entries order by random() limit $1', [
        WARMUP + QUERIES,
      ])
    ).rows.map((r) => r.id);
    const input = (i: number): SearchMemoryInput => ({ ...queries[i]!, limit: LIMIT });

    const ops: ((i: number) => Promise<unknown>)[] = [
      (i) => hybrid!.entries.search(memoryInput.search(input(i))),
      (i) => lexical!.entries.search(memoryInput.search(input(i))),
      (i) => pool.query(FLOOR_SQL, [queries[i]!.tenantId, queries[i]!.query]),
      (i) => pool.query('select id, key from memory_entries where id = $1', [ids[i % ids.length]]),
    ];
    const loadBefore = load();
    const warmup: number[] = [];
    for (let i = 0; i < WARMUP; i++)
      for (const [k, op] of ops.entries()) {
        const started = now();
        await op(i);
        if (k === 0) warmup.push(now() - started);
      }
    const samples = ops.map(() => [] as number[]);
    const found = ops.map(() => 0);
    for (let i = WARMUP; i < WARMUP + QUERIES; i++) {
      const order = i % 2 === 0 ? ops.map((_, k) => k) : ops.map((_, k) => ops.length - 1 - k);
      for (const k of order) {
        const started = now();
        const result = await ops[k]!(i);
        samples[k]!.push(now() - started);
        found[k]! += Array.isArray(result) ? result.length : ((result as { rowCount?: number }).rowCount ?? 0);
      }
    }
    const loadAfter = load();

    // Per stage of (a): the same searcher the store builds, with a trace, reading rows under RLS.
    const stages = new Map<SearchStage, number[]>();
    scope = new TenantScope({ connectionString: db.url, max: 4 }, logger);
    const traced = new Searcher({
      db: pool,
      embedder,
      trace: (stage, ms) => stages.set(stage, [...(stages.get(stage) ?? []), ms]),
    });
    for (let i = 0; i < WARMUP + QUERIES; i++) {
      const parsed = searchMemoryInputSchema.parse(input(i));
      if (i === WARMUP) stages.clear();
      await traced.search(parsed, (work) => scope!.run(parsed.tenantId!, work));
    }
    const loadStages = load();

    heading('BrainOps search-latency benchmark');
    printFacts([
      ['machine', machineLine()],
      ['PostgreSQL', `${await serverVersion(db.url)} (${db.description})`],
      [
        'corpus',
        `${TENANTS} tenants × ${DOCS} documents (${Math.floor(DOCS / 2)} entries: operations notes; ` +
          `${DOCS - Math.floor(DOCS / 2)} session messages: LoCoMo turns from ${dir}), seeded in ${seedSeconds.toFixed(1)} s`,
      ],
      ['embedder', `${embedder.model}: ${embedded} texts in ${embedSeconds.toFixed(1)} s`],
      [
        'queries',
        `${QUERIES} timed after ${WARMUP} warm-up, half LoCoMo questions as asked, half operations questions; ` +
          `a random tenant each; limit ${LIMIT}; the four operations interleaved`,
      ],
      ['load average (1, 5, 15 min)', `${loadBefore} before, ${loadAfter} after the timed runs`],
    ]);
    console.log('');
    const names = [
      '(a) store.search, hybrid',
      '(b) store.search, lexical alone',
      '(c) raw pg: any word, ts_rank (floor)',
      '(d) raw pg: entry by id (floor)',
    ];
    printTable(
      ['operation', ...LATENCY_HEADERS, 'results/query'],
      [
        [`(a0) hybrid, the process's first ${WARMUP} (warm-up)`, ...latencyCells(summarize(warmup)), ''],
        ...samples.map((s, k) => [names[k]!, ...latencyCells(summarize(s)), (found[k]! / QUERIES).toFixed(1)]),
      ],
    );

    heading('Stages of (a) (ms; the lexical and semantic stages overlap)');
    printTable(
      ['stage', ...LATENCY_HEADERS],
      [...stages.entries()].map(([stage, ms]) => [stage, ...latencyCells(summarize(ms))]),
    );
    console.log(`  load average after the traced runs: ${loadStages}`);

    const p95 = summarize(samples[0]!).p95;
    heading('Target');
    console.log(
      `hybrid search p95 = ${fmtMs(p95)} ms on tenants of ${DOCS} documents (target < ${TARGET_P95_MS} ms) ${p95 < TARGET_P95_MS ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await scope?.end();
    await lexical?.close();
    await hybrid?.close();
    await db.stop();
  }
}

runBench(main, logger);
