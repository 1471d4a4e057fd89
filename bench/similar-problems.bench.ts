/**
 * `npm run bench:similar`: does a "similar problems" lookup find the known fix of an error seen
 * again in another form? One solution per error family of the signature test corpus (and
 * distractors: other errors that share its words) is stored through the real store; every
 * generated variant of every family (bench/similar-corpus.ts) is then looked up, and a hit is the
 * family's own solution among the first 1 or 5 returned. Methods, side by side in one run:
 * - error-learning's lookup, `findSimilarSolutions` called as `findSolutions` calls it (the
 *   signature, the normalised message, its similarity floor), and the same ranking with no floor;
 * - the knowledge-base search of guidance (`matchingSolutions`), given the signature as the task;
 * - BM25 of memory search (`Searcher`, lexical only), over the solutions' signatures stored as
 *   memory entries — the knowledge base itself has no BM25 path.
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54411, or with DATABASE_URL the scratch
 * database `brainops_bench` on that server (dropped and recreated).
 */
import { memoryInput } from '../src/contracts/memory';
import { MemoryStore, migrate, type MemorySearchHit } from '../src/memory';
import { Searcher } from '../src/memory/search';
import { MIN_SIMILARITY } from '../src/activities/error-learning';
import { errorSignature, normaliseMessage } from '../src/domain/error-signature';
import {
  createBenchLogger,
  fmtMs,
  heading,
  machineLine,
  now,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  startBenchDatabase,
  summarize,
} from './lib';
import {
  DISTRACTORS,
  FAMILIES,
  familySignature,
  PERTURBATIONS,
  queries,
  VALUE_VARIANTS,
  type Query,
} from './similar-corpus';

const logger = createBenchLogger('bench-similar');
const TENANT = 'similar-problems';
const ACTION_OF_DISTRACTOR = 'distractor';

/** A lookup: the family ids (the solutions' actions) of what it returns, best first. */
interface Method {
  name: string;
  /** Column heading in the per-family table. */
  short: string;
  lookup(q: Query): Promise<string[]>;
}

async function storeSolutions(store: MemoryStore): Promise<void> {
  const solutions = [
    ...FAMILIES.map((f) => ({
      action: f.id,
      signature: familySignature(f),
      message: f.seed,
      description: f.description,
    })),
    ...DISTRACTORS.map((d, i) => ({
      action: `${ACTION_OF_DISTRACTOR}-${i}`,
      signature: errorSignature(d.errorType, d.message),
      message: d.message,
      description: d.description,
    })),
  ];
  const signatures = new Set(solutions.map((s) => s.signature));
  if (signatures.size !== solutions.length) throw new Error('two solutions of the corpus share a signature');
  for (const s of solutions) {
    // As error-learning's learnSolution stores a fix: the normalised message is the example.
    await store.knowledge.upsertSolution({
      problemSignature: s.signature,
      exampleMessage: normaliseMessage(s.message),
      description: s.description,
      action: s.action,
      params: {},
      source: 'human',
      successCount: 1,
    });
    await store.entries.store(
      memoryInput.store({
        key: `kb/${s.action}`,
        content: s.signature,
        memoryType: 'system_error',
        scope: 'tenant',
        tenantId: TENANT,
      }),
    );
  }
}

function methods(store: MemoryStore): Method[] {
  const lexical = new Searcher({ db: store.pool, neighbours: false });
  const similar = (minSimilarity: number) => async (q: Query) =>
    (await store.knowledge.findSimilarSolutions({ signature: q.signature, message: q.message, minSimilarity })).map(
      (r) => r.action,
    );
  const familyOf = (h: MemorySearchHit) => (h.kind === 'entry' ? h.entry.key.slice('kb/'.length) : '');
  return [
    {
      name: `error-learning: trigram + Dice, floor ${MIN_SIMILARITY}`,
      short: 'today',
      lookup: similar(MIN_SIMILARITY),
    },
    { name: 'same ranking, no floor', short: 'no floor', lookup: similar(0) },
    {
      name: 'knowledge-base search (guidance)',
      short: 'kb search',
      lookup: async (q) =>
        (await store.guidance.matchingSolutions({ task: q.signature, limit: 10 })).map((r) => r.action),
    },
    {
      name: 'BM25 (memory search, lexical)',
      short: 'BM25',
      lookup: async (q) =>
        (
          await lexical.search({
            query: q.signature,
            mode: 'natural',
            sources: ['entries'],
            tenantId: TENANT,
            includeShared: false,
            includeExpired: false,
            explain: false,
            limit: 10,
          })
        ).map(familyOf),
    },
  ];
}

const pct = (hits: number, n: number) => `${((100 * hits) / n).toFixed(1)} %`;

interface Outcome {
  query: Query;
  rank: number;
  ms: number;
}

async function run(method: Method, all: Query[]): Promise<Outcome[]> {
  for (const q of all.slice(0, 20)) await method.lookup(q);
  const outcomes: Outcome[] = [];
  for (const q of all) {
    const t = now();
    const found = await method.lookup(q);
    outcomes.push({ query: q, rank: found.indexOf(q.family), ms: now() - t });
  }
  return outcomes;
}

const hitsAt = (outcomes: Outcome[], k: number) => outcomes.filter((o) => o.rank >= 0 && o.rank < k).length;

async function main(): Promise<void> {
  const db = await startBenchDatabase({ port: 54411, database: 'brainops_bench', logger });
  let store: MemoryStore | undefined;
  try {
    await migrate({ databaseUrl: db.url, logger });
    store = await MemoryStore.connect({ databaseUrl: db.url, logger, poolSize: 2 });
    await storeSolutions(store);
    const all = queries();
    const sameSignature = all.filter((q) => q.signature === familySignature(FAMILIES.find((f) => f.id === q.family)!));
    heading('BrainOps similar-problems benchmark');
    printFacts([
      ['machine', machineLine()],
      ['PostgreSQL', `${await serverVersion(db.url)} (${db.description})`],
      [
        'corpus',
        `${FAMILIES.length} families (test/signature.test.ts) + ${DISTRACTORS.length} distractor solutions; ${all.length} queries = families × (seed + ${VALUE_VARIANTS} value variants) × ${PERTURBATIONS.length} forms; ${sameSignature.length} of them have their family's exact signature`,
      ],
    ]);

    const measured = methods(store);
    const results = new Map<string, Outcome[]>();
    for (const method of measured) results.set(method.name, await run(method, all));

    heading('Own family solution found (hit@k) and lookup latency');
    printTable(
      ['method', 'hit@1', 'hit@5', 'nothing returned', 'p50 ms', 'p95 ms'],
      [...results].map(([name, outcomes]) => {
        const latency = summarize(outcomes.map((o) => o.ms));
        return [
          name,
          pct(hitsAt(outcomes, 1), outcomes.length),
          pct(hitsAt(outcomes, 5), outcomes.length),
          String(outcomes.filter((o) => o.rank < 0).length),
          fmtMs(latency.p50),
          fmtMs(latency.p95),
        ];
      }),
    );

    heading("hit@1 by form of the query (and for queries whose signature differs from the family's)");
    const differing = (o: Outcome) => !sameSignature.includes(o.query);
    printTable(
      ['method', ...PERTURBATIONS, 'other signature'],
      [...results].map(([name, outcomes]) => [
        name,
        ...PERTURBATIONS.map((p) => {
          const of = outcomes.filter((o) => o.query.perturbation === p);
          return pct(hitsAt(of, 1), of.length);
        }),
        pct(hitsAt(outcomes.filter(differing), 1), outcomes.filter(differing).length),
      ]),
    );

    heading('hit@1 / hit@5 by family');
    printTable(
      ['family', ...measured.map((m) => m.short)],
      FAMILIES.map((f) => [
        f.id,
        ...measured.map((m) => {
          const of = results.get(m.name)!.filter((o) => o.query.family === f.id);
          return `${hitsAt(of, 1)} / ${hitsAt(of, 5)} of ${of.length}`;
        }),
      ]),
    );
  } finally {
    await store?.close();
    await db.stop();
  }
}

runBench(main, logger);
