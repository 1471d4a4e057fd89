/**
 * `npm run bench:console`: the web console's pages and `/metrics` on a large memory, through a real
 * API server on loopback (embedded PostgreSQL, or a scratch database on `DATABASE_URL`; a real dev
 * server for the Temporal calls).
 * - seed (`console-seed.ts`): BENCH_ENTRIES memory entries (default 1,000,000), sessions, errors,
 *   insights, agent records, procedure runs;
 * - sign in as the operator (an operator key) and as tenant `acme` (a tenth of the entries);
 * - each page once cold, then BENCH_ROUNDS rounds (default 100) of every page one after the other,
 *   timed end to end (request → whole body), beside a floor measured in the same run: `GET /healthz`
 *   of the same server (the HTTP hop and Fastify alone);
 * - targets: every page p95 under 200 ms; `/metrics` p95 under 50 ms.
 * Smoke size: BENCH_ENTRIES=20000 BENCH_ROUNDS=10.
 */
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import { memoryInput } from '../src/memory';
import { serveApi } from '../src/stack/api-server';
import {
  createBenchLogger,
  envInt,
  fmtMs,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  summarize,
} from './lib';
import { withBenchStack } from './stack';
import { seedConsoleBench } from './console-seed';

const ENTRIES = envInt('BENCH_ENTRIES', 1_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 100);
const logger = createBenchLogger('bench-console');
/** What the search page looks for (every seeded entry is "entry <n> about <topic>"). */
const SEARCH = 'entry about billing';

/** Signs in through the sign-in form (CSRF token and cookie included); returns the Cookie header. */
async function signIn(base: string, key: string): Promise<string> {
  const form = await fetch(`${base}/console/sign-in`);
  const csrfCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on the sign-in page');
  const answer = await fetch(`${base}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie.join('; ') },
    body: new URLSearchParams({ _csrf: token, key, next: '/console' }).toString(),
  });
  if (answer.status !== 303) throw new Error(`sign-in answered ${answer.status}`);
  return [...csrfCookie, ...answer.headers.getSetCookie().map((c) => c.split(';')[0]!)].join('; ');
}

/** One request, body read whole; its latency in ms. @throws Error on a status other than 200. */
async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const start = performance.now();
  const answer = await fetch(url, { headers, redirect: 'manual' });
  await answer.arrayBuffer();
  const ms = performance.now() - start;
  if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status}`);
  return ms;
}

async function main(): Promise<void> {
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    api: { ...base.api, host: '127.0.0.1', rateLimitPerMinute: 0 },
    temporal: { ...base.temporal, namespace: 'default', taskQueue: 'bench-console' },
    embeddings: { ...base.embeddings, provider: 'off' },
  };
  await withBenchStack({ config, dbPort: 54411, temporalPort: 7411, logger }, async ({ db, store, client, worker }) => {
    heading('BrainOps console benchmark');
    printFacts([
      ['machine', machineLine()],
      ['database', `${db.description}, PostgreSQL ${await serverVersion(db.url)}`],
      ['data', `${ENTRIES.toLocaleString('en')} memory entries (a tenth tenant acme's), 1,000 sessions, 5,000 errors`],
      ['rounds', `${ROUNDS} per page and viewer, after one cold view each`],
    ]);
    const seeded = await seedConsoleBench(store.pool, ENTRIES);
    printFacts(Object.entries(seeded).map(([k, ms]) => [`seeded ${k}`, `${fmtMs(ms)} ms`]));

    const operatorKey = (await store.apiKeys.create({ operator: true })).key;
    const acmeKey = (await store.apiKeys.create({ tenantId: 'acme', role: 'reader' })).key;
    const server = await serveApi({ config, logger, store, client }, 0);
    // The worker polls while the pages ask Temporal about running workflows.
    await worker.runUntil(async () => {
      try {
        const entry = await store.pool.query<{ id: string }>(`select id from memory_entries where key = 'bench/10'`);
        const page2 = await store.pool.query<{ updated_at: Date; id: string }>(
          `select updated_at, id from memory_entries where tenant_id = 'acme' order by updated_at desc, id desc offset 49 limit 1`,
        );
        const after = `after_at=${encodeURIComponent(page2.rows[0]!.updated_at.toISOString())}&after_id=${page2.rows[0]!.id}`;
        const shared: [string, string][] = [
          ['overview', '/console'],
          ['memory (browse)', '/console/memory'],
          ['memory (second page)', `/console/memory?${after}${''}`],
          ['memory (search)', `/console/memory/search?q=${encodeURIComponent(SEARCH)}&tenant=acme`],
          ['memory entry', `/console/memory/entries/${entry.rows[0]!.id}`],
          ['sessions', '/console/sessions'],
          ['session', '/console/sessions/acme/session-10'],
          ['errors (7 days)', '/console/errors'],
          ['error signature', `/console/errors/signature?s=${encodeURIComponent('BenchError: failure of kind 10')}`],
          ['learning', '/console/learning'],
        ];
        const viewers: { name: string; cookie: string; pages: [string, string][] }[] = [
          {
            name: 'operator',
            cookie: await signIn(server.url, operatorKey),
            pages: [
              ...shared,
              ['procedures', '/console/procedures'],
              ['deployments and guardian', '/console/operations'],
            ],
          },
          { name: 'tenant acme', cookie: await signIn(server.url, acmeKey), pages: shared },
        ];

        const rows: string[][] = [];
        let worst = { name: '', p95: 0 };
        const floor: number[] = [];
        for (const viewer of viewers) {
          const headers = { cookie: viewer.cookie };
          const cold = new Map<string, number>();
          for (const [name, path] of viewer.pages) cold.set(name, await timed(`${server.url}${path}`, headers));
          const samples = new Map<string, number[]>(viewer.pages.map(([name]) => [name, []]));
          for (let round = 0; round < ROUNDS; round++) {
            floor.push(await timed(`${server.url}/healthz`, {}));
            for (const [name, path] of viewer.pages)
              samples.get(name)!.push(await timed(`${server.url}${path}`, headers));
          }
          for (const [name] of viewer.pages) {
            const s = summarize(samples.get(name)!);
            if (s.p95 > worst.p95) worst = { name: `${viewer.name}: ${name}`, p95: s.p95 };
            rows.push([viewer.name, name, fmtMs(cold.get(name)!), ...latencyCells(s)]);
          }
        }
        // The search page is the hybrid search plus the page: the same search in-process is its floor.
        const search: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const start = performance.now();
          await store.entries.search(memoryInput.search({ query: SEARCH, tenantId: 'acme', explain: true, limit: 25 }));
          search.push(performance.now() - start);
        }
        const metricsFirst = await timed(`${server.url}/metrics`, {});
        const metrics: number[] = [];
        for (let round = 0; round < ROUNDS; round++) metrics.push(await timed(`${server.url}/metrics`, {}));
        const m = summarize(metrics);
        rows.push(['—', '/metrics', fmtMs(metricsFirst), ...latencyCells(m)]);
        rows.push(['—', 'floor: GET /healthz', '—', ...latencyCells(summarize(floor))]);
        rows.push(['tenant acme', 'floor: the search in-process', '—', ...latencyCells(summarize(search))]);
        heading('Latency per page (ms; cold = the first view, before any cache)');
        printTable(['viewer', 'page', 'cold', ...LATENCY_HEADERS], rows);
        console.log(
          `\ntarget: every console page p95 < 200 ms — ${worst.p95 < 200 ? 'met' : 'NOT met'} (worst: ${worst.name}, p95 ${fmtMs(worst.p95)} ms)`,
        );
        console.log(`target: /metrics p95 < 50 ms — ${m.p95 < 50 ? 'met' : 'NOT met'} (p95 ${fmtMs(m.p95)} ms)`);
      } finally {
        await server.close();
      }
    });
  });
}

runBench(main, logger);
