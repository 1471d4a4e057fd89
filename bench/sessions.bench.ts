/**
 * Session benchmark (`npm run bench:sessions`), loopback only, on a fresh stack (bench/stack.ts:
 * embedded PostgreSQL on 127.0.0.1:54401 or a scratch database of DATABASE_URL, a Temporal dev
 * server on 127.0.0.1:7400, the worker and the HTTP API in this process, the per-key rate limit
 * off). Nothing needs to run before it.
 *
 * Phase A, HTTP, one session: autocannon with BENCH_CONNECTIONS (default 50) connections posting
 * `POST /memory/session/message` for BENCH_SECONDS (default 10) s: messages/s, p50/p99, errors.
 * Then the database must hold each answered message exactly once, and each connection's
 * messages in the order it sent them (a connection sends its next message after the answer).
 * Beside it, the floor: the same number of single-row inserts by raw `pg` from the same number of
 * callers, in the same run.
 *
 * Phase B, a burst: BENCH_BURST (default 1000) concurrent POSTs to one session; every answer must
 * be 2xx, or 429/503 with Retry-After; the stored seqs must be 1..(2xx answers).
 *
 * Phase C, idle sessions: BENCH_IDLE_SESSIONS (default 10000) sessions started
 * (BENCH_START_CONCURRENCY, default 10, at a time)
 * and left idle; this process's RSS (worker and API) before and after, per session; start and
 * end latency (p95).
 *
 * Smoke size (CI): `BENCH_SMOKE=1 npm run bench:sessions` (2 s, 100-message burst, 50 idle sessions).
 * Figures only: nothing is asserted on time.
 */
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { loadConfig } from '../temporal.config';
import { serveApi } from '../src/stack/api-server';
import {
  createBenchLogger,
  envInt,
  fmtMb,
  fmtMs,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  mapLimit,
  now,
  printFacts,
  printTable,
  runBench,
  serverVersion,
  summarize,
} from './lib';
import { asOperator, withBenchStack, type BenchStack } from './stack';

const SMOKE = process.env.BENCH_SMOKE === '1';
const SECONDS = envInt('BENCH_SECONDS', SMOKE ? 2 : 10);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', SMOKE ? 10 : 50);
const BURST = envInt('BENCH_BURST', SMOKE ? 100 : 1000);
const IDLE_SESSIONS = envInt('BENCH_IDLE_SESSIONS', SMOKE ? 50 : 10_000);
const START_CONCURRENCY = envInt('BENCH_START_CONCURRENCY', 10);
const TENANT = 'bench';
const logger = createBenchLogger('bench-sessions');

const url = (base: string) => `${base}/memory/session/message`;
const headersOf = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

/** Phase A: one session over HTTP, then the check of what was stored, then the raw-pg floor. */
async function phaseHttp(stack: BenchStack, base: string, key: string) {
  heading(`A. One session over HTTP: ${CONNECTIONS} connections, ${SECONDS} s`);
  const sessionId = 'hot';
  await asOperator(stack.api.sessions.start, { tenantId: TENANT, sessionId });
  let connectionsSeen = 0;
  const result = await autocannon({
    url: url(base),
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    headers: headersOf(key),
    initialContext: {},
    requests: [
      {
        setupRequest: (request: object, context: { c?: number; k?: number }) => {
          context.c ??= connectionsSeen++;
          context.k = (context.k ?? 0) + 1;
          const id = `c${context.c}-${context.k}`;
          return {
            ...request,
            body: JSON.stringify({ session_id: sessionId, role: 'user', content: id, message_id: id }),
          };
        },
      },
    ],
  } as autocannon.Options);
  const answered = result['2xx'];
  const errors = result.errors + result.non2xx + result.timeouts;
  // What the errors were: statuses other than 2xx, socket errors, timeouts.
  const whatErrors = [
    ...Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, stat]) => `HTTP ${code} ×${(stat as { count: number }).count}`),
    ...(result.errors ? [`socket errors ×${result.errors}`] : []),
    ...(result.timeouts ? [`timeouts ×${result.timeouts}`] : []),
  ];
  const rows = await stack.store.pool.query<{ seq: string; content: string; message_id: string }>(
    `select seq, content, message_id from session_messages where tenant_id = $1 and session_id = $2 order by seq`,
    [TENANT, sessionId],
  );
  // Exactly once: one row per message id, seqs 1..n; causal order: a connection's k rises with seq.
  const ids = new Set(rows.rows.map((r) => r.message_id));
  const gapFree = rows.rows.every((r, i) => Number(r.seq) === i + 1);
  const lastK = new Map<string, number>();
  let outOfOrder = 0;
  for (const r of rows.rows) {
    const [c, k] = r.content.split('-') as [string, string];
    if ((lastK.get(c) ?? 0) >= Number(k)) outOfOrder++;
    lastK.set(c, Number(k));
  }
  const floor = await rawFloor(stack, rows.rowCount ?? 0);
  printTable(
    ['path', 'messages', 'messages/s', 'p50 ms', 'p99 ms', 'errors'],
    [
      [
        'HTTP POST /memory/session/message',
        String(answered),
        (answered / SECONDS).toFixed(0),
        String(result.latency.p50),
        String(result.latency.p99),
        String(errors),
      ],
      [
        `floor: raw pg single-row inserts (${CONNECTIONS} callers)`,
        String(floor.n),
        floor.rate.toFixed(0),
        fmtMs(floor.p50),
        fmtMs(floor.p99),
        '0',
      ],
    ],
  );
  printFacts([
    [
      'rows stored',
      `${rows.rowCount} (2xx answers ${answered}; a request cut off at the end may be stored unanswered)`,
    ],
    ['exactly once', `${ids.size === rows.rowCount ? 'yes' : 'NO'}: ${ids.size} distinct message ids`],
    ['seqs gap-free 1..n', gapFree ? 'yes' : 'NO'],
    ['causal order (per connection)', outOfOrder === 0 ? 'yes' : `NO: ${outOfOrder} out of order`],
    ['errors', whatErrors.length ? whatErrors.join(', ') : 'none'],
    ['autocannon', 'latency in whole ms'],
  ]);
}

/** The floor: `n` single-row inserts by raw pg from CONNECTIONS callers, in this run's database. */
async function rawFloor(stack: BenchStack, n: number) {
  const pool = new Pool({ connectionString: stack.db.url, max: stack.config.database.poolSize });
  try {
    await pool.query(
      'create table if not exists bench_floor (id bigserial primary key, session_id text, content text, created_at timestamptz default now())',
    );
    const latencies: number[] = [];
    const started = now();
    await mapLimit(
      Array.from({ length: Math.max(1, n) }, (_, i) => i),
      CONNECTIONS,
      async (i) => {
        const t = now();
        await pool.query('insert into bench_floor (session_id, content) values ($1, $2)', ['hot', `floor-${i}`]);
        latencies.push(now() - t);
      },
    );
    const s = summarize(latencies);
    return { n: latencies.length, rate: latencies.length / ((now() - started) / 1000), p50: s.p50, p99: s.p99 };
  } finally {
    await pool.end();
  }
}

/** Phase B: BURST concurrent POSTs to one session. */
async function phaseBurst(stack: BenchStack, base: string, key: string) {
  heading(`B. A burst: ${BURST} concurrent POSTs to one session`);
  const sessionId = 'burst';
  await asOperator(stack.api.sessions.start, { tenantId: TENANT, sessionId });
  const statuses = new Map<string, number>();
  const latencies: number[] = [];
  let withoutRetryAfter = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const t = now();
      let label: string;
      try {
        const response = await fetch(url(base), {
          method: 'POST',
          headers: headersOf(key),
          body: JSON.stringify({ session_id: sessionId, role: 'user', content: `b${i}`, message_id: `b${i}` }),
          signal: AbortSignal.timeout(60_000),
        });
        await response.arrayBuffer();
        label = String(response.status);
        if ((response.status === 429 || response.status === 503) && !response.headers.get('retry-after'))
          withoutRetryAfter++;
      } catch (error) {
        label = `failed (${(error as Error).name})`;
      }
      latencies.push(now() - t);
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
    }),
  );
  const seconds = (now() - started) / 1000;
  const ok = [...statuses].filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
  const rows = await stack.store.pool.query<{ n: number; max: number | null }>(
    'select count(*)::int as n, max(seq)::int as max from session_messages where tenant_id = $1 and session_id = $2',
    [TENANT, sessionId],
  );
  const refused = [...statuses].filter(([s]) => !/^(2|429|503)/.test(s)).reduce((n, [, c]) => n + c, 0);
  // The same burst in-process (no HTTP, no key, no access log): what the store itself takes.
  const inProcess = 'burst-in-process';
  await asOperator(stack.api.sessions.start, { tenantId: TENANT, sessionId: inProcess });
  const t0 = now();
  await Promise.all(
    Array.from({ length: BURST }, (_, i) =>
      stack.store.sessions.appendMessage({
        tenantId: TENANT,
        sessionId: inProcess,
        message: { role: 'user', content: `p${i}`, messageId: `p${i}` },
      }),
    ),
  );
  const inProcessSeconds = (now() - t0) / 1000;
  printTable(
    ['answer', 'count'],
    [...statuses].sort().map(([s, c]) => [s, String(c)]),
  );
  printTable(LATENCY_HEADERS, [latencyCells(summarize(latencies))]);
  printFacts([
    ['wall time', `${seconds.toFixed(2)} s (${(BURST / seconds).toFixed(0)} answers/s)`],
    [
      'in-process',
      `the same ${BURST} messages by store.sessions.appendMessage at once: ${inProcessSeconds.toFixed(2)} s (${(BURST / inProcessSeconds).toFixed(0)} messages/s)`,
    ],
    ['every answer 2xx or 429/503 with Retry-After', refused === 0 && withoutRetryAfter === 0 ? 'yes' : 'NO'],
    [
      'stored',
      `${rows.rows[0]!.n} rows, seqs 1..${rows.rows[0]!.max ?? 0} (${ok} 2xx answers)${rows.rows[0]!.n === ok && (rows.rows[0]!.max ?? 0) === ok ? '' : ' MISMATCH'}`,
    ],
  ]);
}

/** Phase C: IDLE_SESSIONS sessions started and left idle, the process's RSS per session, then ended. */
async function phaseIdle(stack: BenchStack) {
  heading(`C. ${IDLE_SESSIONS} idle sessions`);
  const ids = Array.from({ length: IDLE_SESSIONS }, (_, i) => `idle-${i}`);
  global.gc?.();
  const before = process.memoryUsage();
  const starts: number[] = [];
  const startedAt = now();
  let failed = 0;
  await mapLimit(ids, START_CONCURRENCY, async (sessionId) => {
    const t = now();
    try {
      await asOperator(stack.api.sessions.start, { tenantId: TENANT, sessionId });
      starts.push(now() - t);
    } catch (error) {
      failed++;
      logger.warn({ err: error, sessionId }, 'start failed');
    }
  });
  const startSeconds = (now() - startedAt) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  global.gc?.();
  const after = process.memoryUsage();
  const ends: number[] = [];
  await mapLimit(ids, START_CONCURRENCY, async (sessionId) => {
    const t = now();
    try {
      await asOperator(stack.api.sessions.end, { tenantId: TENANT, sessionId });
      ends.push(now() - t);
    } catch (error) {
      failed++;
      logger.warn({ err: error, sessionId }, 'end failed');
    }
  });
  printTable(
    ['call', ...LATENCY_HEADERS],
    [
      ['start', ...latencyCells(summarize(starts))],
      ['end', ...latencyCells(summarize(ends))],
    ],
  );
  printFacts([
    [
      'started',
      `${starts.length} of ${IDLE_SESSIONS} in ${startSeconds.toFixed(1)} s (${START_CONCURRENCY} at a time); ${failed} starts or ends failed`,
    ],
    [
      'RSS of this process (worker + API)',
      `${fmtMb(before.rss)} before, ${fmtMb(after.rss)} with the sessions open: ${((after.rss - before.rss) / IDLE_SESSIONS / 1024).toFixed(1)} kB per session`,
    ],
    [
      'V8 heap used',
      `${fmtMb(before.heapUsed)} before, ${fmtMb(after.heapUsed)} after: ${((after.heapUsed - before.heapUsed) / IDLE_SESSIONS / 1024).toFixed(1)} kB per session${global.gc ? ' (after a full GC)' : ' (no GC forced: run with NODE_OPTIONS=--expose-gc)'}`,
    ],
    [
      'worker cache',
      `maxCachedWorkflows ${stack.config.maxCachedWorkflows ?? 'SDK default'} (an evicted idle session costs the worker nothing; it replays on its next event)`,
    ],
  ]);
}

async function main() {
  const loaded = loadConfig();
  // The per-key rate limit (BRAINOPS_API_RATE_LIMIT) would answer most of this load 429: off here,
  // so the figures are the message path's own.
  const config = { ...loaded, sessionInactivityTimeoutMs: 0, api: { ...loaded.api, rateLimitPerMinute: 0 } };
  await withBenchStack({ config, dbPort: 54401, temporalPort: 7400, logger }, async (stack) => {
    const key = (await stack.store.apiKeys.create({ tenantId: TENANT, role: 'writer' })).key;
    const server = await serveApi({ config: stack.config, logger, store: stack.store, client: stack.client }, 0);
    heading('BrainOps session benchmark');
    printFacts([
      ['machine', machineLine()],
      ['database', `PostgreSQL ${await serverVersion(stack.db.url)}, ${stack.db.description}`],
      ['pool', `${stack.config.database.poolSize} connections (API and worker share this process's store)`],
      [
        'sizes',
        `${SMOKE ? 'smoke; ' : ''}BENCH_SECONDS=${SECONDS} BENCH_CONNECTIONS=${CONNECTIONS} BENCH_BURST=${BURST} BENCH_IDLE_SESSIONS=${IDLE_SESSIONS}`,
      ],
    ]);
    try {
      await stack.worker.runUntil(async () => {
        await phaseHttp(stack, server.url, key);
        await phaseBurst(stack, server.url, key);
        await phaseIdle(stack);
      });
    } finally {
      await server.close();
    }
  });
}

runBench(main, logger);
