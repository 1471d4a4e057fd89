/**
 * Retrieval benchmark (`npm run bench:recall [path]`): how much of what answers a question a
 * search finds. It stores the turns of LoCoMo conversations (default `../shared/data/locomo-dev`)
 * through the real memory store, one `user_interaction` entry per turn (tenant = the
 * conversation, session = its session, content = "Speaker: text"), embeds them with the
 * configured embedder through the catch-up's own batch function, and searches every question of
 * categories 1–4 as asked. It prints evidence recall@5/10/25 — per question then averaged, and
 * pooled over all evidence turns (`micro`, the dataset's own definition) — and search latency for
 * a plain OR full-text baseline (`ts_rank_cd`), BM25, semantic, and the hybrid, side by side in
 * the same run; then the embedding throughput and the catch-up lag under 50 writes/s.
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54410, or with DATABASE_URL the scratch
 * database `brainops_bench` on that server (dropped and recreated).
 */
import { memoryInput } from '../src/contracts/memory';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../temporal.config';
import { embedPendingBatch } from '../src/activities/embeddings';
import type { Embedder } from '../src/contracts/embedding';
import { createEmbedder } from '../src/embeddings';
import { MemoryStore, migrate, type MemorySearchHit } from '../src/memory';
import { Searcher } from '../src/memory/search';
import { VectorIndex } from '../src/memory/search/vectors';
import type { SearchInput } from '../src/memory/search/filters';
import {
  createBenchLogger,
  heading,
  machineLine,
  now,
  percentile,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  sleep,
  startBenchDatabase,
} from './lib';

const logger = createBenchLogger('bench-recall');
const KS = [5, 10, 25] as const;
const TARGET_RECALL_10 = 0.6;

interface Turn {
  tenant: string;
  session: string;
  diaId: string;
  content: string;
}
interface Question {
  tenant: string;
  question: string;
  evidence: string[];
}

/** `D8:6; D9:17` holds two ids; `D:11:26` is `D11:26`. */
function evidenceIds(evidence: unknown[]): string[] {
  return evidence.flatMap((e) =>
    String(e)
      .split(/[;,]/)
      .map((s) => s.trim().replace(/^D:(\d+):/, 'D$1:'))
      .filter(Boolean),
  );
}

function loadConversations(dir: string): { turns: Turn[]; questions: Question[]; dropped: number } {
  const turns: Turn[] = [];
  const questions: Question[] = [];
  let dropped = 0;
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const conversation = path.basename(file, '.json');
    const tenant = `locomo-${conversation}`;
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    const sessions = Object.keys(data)
      .filter((k) => /^session_\d+$/.test(k))
      .sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]));
    const ids = new Set<string>();
    for (const s of sessions) {
      for (const t of data[s] as { speaker: string; dia_id: string; text: string }[]) {
        ids.add(t.dia_id);
        turns.push({ tenant, session: `${conversation}-${s}`, diaId: t.dia_id, content: `${t.speaker}: ${t.text}` });
      }
    }
    for (const q of data.qa as { question: string; evidence: unknown[]; category: number }[]) {
      if (!(q.category >= 1 && q.category <= 4)) continue;
      const all = [...new Set(evidenceIds(q.evidence))];
      const known = all.filter((e) => ids.has(e));
      dropped += all.length - known.length;
      if (known.length) questions.push({ tenant, question: q.question, evidence: known });
    }
  }
  return { turns, questions, dropped };
}

interface Method {
  name: string;
  search(q: Question): Promise<string[]>;
}

function recall(questions: Question[], results: string[][]) {
  return KS.map((k) => {
    let perQuestion = 0;
    let found = 0;
    let total = 0;
    questions.forEach((q, i) => {
      const top = new Set(results[i]!.slice(0, k));
      const f = q.evidence.filter((e) => top.has(e)).length;
      perQuestion += f / q.evidence.length;
      found += f;
      total += q.evidence.length;
    });
    return { k, perQuestion: perQuestion / questions.length, micro: found / total };
  });
}

const diaIdOf = (h: MemorySearchHit) => (h.kind === 'entry' ? h.entry.key.split('/').pop()! : '');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

async function embedAll(store: MemoryStore, embedder: Embedder): Promise<{ embedded: number; seconds: number }> {
  const started = now();
  let embedded = 0;
  let resume = true;
  for (;;) {
    const batch = await embedPendingBatch(store, embedder, { limit: 256, resume });
    resume = false;
    embedded += batch.entries + batch.messages;
    if (batch.caughtUp) break;
  }
  return { embedded, seconds: (now() - started) / 1000 };
}

/** Writes 50 entries/s for `seconds` while the catch-up runs as the workflow does (2 s idle pause). */
async function catchUpLag(store: MemoryStore, embedder: Embedder, seconds: number) {
  let writing = true;
  const catchUp = (async () => {
    while (writing) {
      const batch = await embedPendingBatch(store, embedder, { limit: 256 });
      if (batch.caughtUp) await sleep(2000);
    }
    await embedPendingBatch(store, embedder, { limit: 256 });
  })();
  const start = Date.now();
  for (let i = 0; i < seconds * 50; i++) {
    const due = start + i * 20;
    if (due > Date.now()) await sleep(due - Date.now());
    await store.entries.store(
      memoryInput.store({
        key: `lag/${i}`,
        content: `write ${i} under load: the customer asked about invoice ${i % 97}`,
        memoryType: 'user_interaction',
        scope: 'tenant',
        tenantId: 'lag',
      }),
    );
  }
  writing = false;
  await catchUp;
  const rows = await store.pool.query<{ lag: number }>(
    `select extract(epoch from x.computed_at - m.updated_at) * 1000 as lag
     from memory_entries m join entry_embeddings x on x.entry_id = m.id and x.model = $1
     where m.tenant_id = 'lag' order by lag`,
    [embedder.model],
  );
  const lags = rows.rows.map((r) => Number(r.lag));
  return {
    written: seconds * 50,
    embedded: lags.length,
    p50: percentile(lags, 50),
    p95: percentile(lags, 95),
    max: lags[lags.length - 1] ?? 0,
  };
}

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'data', 'locomo-dev'));
  if (!fs.existsSync(dir)) throw new Error(`no LoCoMo conversations at ${dir}: pass their folder as the argument`);
  const { turns, questions, dropped } = loadConversations(dir);
  const config = loadConfig();
  const embedder = createEmbedder(config.embeddings, config.cacheDir, (line) => logger.info(line));
  if (!embedder) throw new Error('BRAINOPS_EMBEDDINGS is off: the benchmark compares semantic and hybrid search');
  const db = await startBenchDatabase({ port: 54410, database: 'brainops_bench', logger });
  let store: MemoryStore | undefined;
  try {
    await migrate({ databaseUrl: db.url, logger });
    store = await MemoryStore.connect({ databaseUrl: db.url, logger, poolSize: 4, embedder });
    heading('BrainOps retrieval benchmark (LoCoMo)');
    printFacts([
      ['machine', machineLine()],
      ['PostgreSQL', `${await serverVersion(db.url)} (${db.description})`],
      [
        'data',
        `${dir}: ${turns.length} turns, ${questions.length} questions of categories 1-4 (${dropped} unknown evidence ids left out)`,
      ],
      ['embedder', `${embedder.model}, ${embedder.dimensions} dimensions`],
    ]);

    const storeStarted = now();
    for (const t of turns) {
      await store.entries.store(
        memoryInput.store({
          key: `locomo/${t.tenant}/${t.diaId}`,
          content: t.content,
          memoryType: 'user_interaction',
          scope: 'tenant',
          tenantId: t.tenant,
          sessionId: t.session,
        }),
      );
    }
    const storeSeconds = (now() - storeStarted) / 1000;
    await embedder.embed(['warm up']);
    const { embedded, seconds } = await embedAll(store, embedder);

    const pool = store.pool;
    const lexical = new Searcher({ db: pool, neighbours: false });
    const hybridNoNeighbours = new Searcher({ db: pool, embedder, neighbours: false });
    const vectors = new VectorIndex(pool, embedder.model, embedder.dimensions);
    const input = (q: Question): SearchInput => ({
      query: q.question,
      mode: 'natural',
      sources: ['entries'],
      tenantId: q.tenant,
      includeShared: false,
      includeExpired: false,
      explain: false,
      limit: 25,
    });
    const methods: Method[] = [
      {
        name: 'baseline: OR full-text, ts_rank_cd',
        search: async (q) =>
          (
            await pool.query<{ key: string }>(
              `with q as (select coalesce(string_agg(distinct quote_literal(lexeme), ' | '), '')::tsquery as tsq
                          from unnest(to_tsvector('english', $2)))
               select key from memory_entries m, q where m.tenant_id = $1 and m.search_vector @@ q.tsq
               order by ts_rank_cd(m.search_vector, q.tsq) desc, key limit 25`,
              [q.tenant, q.question],
            )
          ).rows.map((r) => r.key.split('/').pop()!),
      },
      { name: 'lexical: BM25', search: async (q) => (await lexical.search(input(q))).map(diaIdOf) },
      {
        name: 'semantic: cosine',
        search: async (q) => {
          const [v] = await embedder.embed([q.question]);
          const found = VectorIndex.nearest(await vectors.vectors('entries', q.tenant), v!, 25);
          const ids = found.map((f) => f.key.slice(2));
          const keys = await pool.query<{ id: string; key: string }>(
            'select id::text, key from memory_entries where id = any($1::uuid[])',
            [ids],
          );
          const byId = new Map(keys.rows.map((r) => [r.id, r.key.split('/').pop()!]));
          return ids.map((id) => byId.get(id) ?? '');
        },
      },
      {
        name: 'hybrid: BM25 + semantic',
        search: async (q) => (await hybridNoNeighbours.search(input(q))).map(diaIdOf),
      },
      {
        name: 'hybrid + neighbouring turns (store.search)',
        search: async (q) => (await store!.entries.search(memoryInput.search({ ...input(q) }))).map(diaIdOf),
      },
    ];
    const rows: string[][] = [];
    let hybridRecall10 = 0;
    for (const method of methods) {
      for (const q of questions.slice(0, 20)) await method.search(q);
      const latencies: number[] = [];
      const results: string[][] = [];
      for (const q of questions) {
        const t = now();
        results.push(await method.search(q));
        latencies.push(now() - t);
      }
      latencies.sort((a, b) => a - b);
      const r = recall(questions, results);
      if (method === methods[methods.length - 1]) hybridRecall10 = r[1]!.micro;
      rows.push([
        method.name,
        ...r.map((x) => `${pct(x.perQuestion)} / ${pct(x.micro)}`),
        percentile(latencies, 50).toFixed(2),
        percentile(latencies, 95).toFixed(2),
      ]);
    }
    heading('Evidence recall (per question / pooled) and search latency');
    printTable(['method', 'recall@5', 'recall@10', 'recall@25', 'p50 ms', 'p95 ms'], rows);

    const lag = await catchUpLag(store, embedder, Number(process.env.BENCH_LAG_SECONDS ?? 20));
    heading('Embedding');
    printFacts([
      ['stored', `${turns.length} turns through store.store in ${storeSeconds.toFixed(1)} s`],
      [
        'embedded',
        `${embedded} texts in ${seconds.toFixed(1)} s: ${(embedded / seconds).toFixed(0)} texts/s (batch 256, one process)`,
      ],
      [
        'catch-up lag at 50 writes/s',
        `${lag.embedded} of ${lag.written} embedded; write → embedding p50 ${(lag.p50 / 1000).toFixed(2)} s, p95 ${(lag.p95 / 1000).toFixed(2)} s, max ${(lag.max / 1000).toFixed(2)} s (2 s pause when idle)`,
      ],
      [
        'target',
        `hybrid recall@10 (pooled) ≥ ${pct(TARGET_RECALL_10)}: ${pct(hybridRecall10)} ${hybridRecall10 >= TARGET_RECALL_10 ? 'MET' : 'NOT MET'}`,
      ],
    ]);
  } finally {
    await store?.close();
    await db.stop();
  }
}

runBench(main, logger);
