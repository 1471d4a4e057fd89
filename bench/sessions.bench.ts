/**
 * Session benchmark (`npm run bench:sessions`): the ContextKeeper session workflow under load, on
 * a local Temporal dev server (127.0.0.1:7400, in memory) and PostgreSQL (embedded on
 * 127.0.0.1:54401, or the scratch database `brainops_bench` of DATABASE_URL), with a BrainOps
 * worker in this process.
 *
 * Phase A, one hot session: BENCH_RATE (default 100) messages per second for BENCH_SECONDS
 * (default 120) s, sent with `addMessage` (signal-with-start) by a timer-driven loop that keeps the
 * rate with at most BENCH_CONCURRENCY (default 20) calls in flight. Then the session is ended and
 * the database must hold every message exactly once, numbered 1..N, in the order sent.
 *
 * Phase B, many sessions: BENCH_SESSIONS (default 1000) sessions opened at once (50 calls in
 * flight), one message each; memory of this process before and after, then all of them ended.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import type { BrainOpsClient } from '../src/client/brainops-client';
import { migrate, type MemoryStore } from '../src/memory';
import { startTestServer } from '../src/stack/dev-server';
import { installRuntime } from '../src/stack/runtime';
import { resolveTemporalCli } from '../src/stack/temporal-cli';
import { sessionWorkflowId } from '../src/contracts/names';
import { assembleStack, type AssembledStack } from '../src/stack/assemble';
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
  mapLimit,
  now,
  printFacts,
  printTable,
  serverVersion,
  startBenchDatabase,
  summarize,
  waitFor,
  type BenchDatabase,
} from './lib';

const SECONDS = envInt('BENCH_SECONDS', 120);
const RATE = envInt('BENCH_RATE', 100);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 20);
const SESSIONS = envInt('BENCH_SESSIONS', 1000);
const SESSION_CONCURRENCY = 50;
const QUERY_SAMPLE = 20;
const TASK_QUEUE = 'bench-sessions';
/** `maxSignalsPerRun` default of `sessionWorkflow`. */
const SIGNALS_PER_RUN = 4000;
const NAMESPACE = 'default';

const logger = createBenchLogger('bench-sessions');

interface Context {
  client: BrainOpsClient;
  store: MemoryStore;
  env: TestWorkflowEnvironment;
  worker: Worker;
}

const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO');

// ---------------------------------------------------------------------------------------------
// Phase A: one hot session

/** Resolves after `ms`, or earlier when `wake` is called. */
function nap(ms: number | undefined): { done: Promise<void>; wake: () => void } {
  let wake!: () => void;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
    if (ms !== undefined) timer = setTimeout(wake, Math.max(0, ms));
  });
  return { done, wake };
}

/**
 * Every pair where message `a` was acknowledged before message `b` was sent must be stored with
 * `a` first: the order a session guarantees. Returns how many messages break it.
 */
function causalViolations(starts: Float64Array, acks: Float64Array, seqOf: Map<number, number>, sent: number): number {
  const acked = [...Array(sent).keys()].filter((i) => Number.isFinite(acks[i]!)).sort((a, b) => acks[a]! - acks[b]!);
  let next = 0;
  let maxSeqAcked = 0;
  let violations = 0;
  for (let j = 0; j < sent; j++) {
    while (next < acked.length && acks[acked[next]!]! <= starts[j]!) {
      maxSeqAcked = Math.max(maxSeqAcked, seqOf.get(acked[next]!) ?? 0);
      next++;
    }
    const seq = seqOf.get(j);
    if (seq !== undefined && seq < maxSeqAcked) violations++;
  }
  return violations;
}

async function phaseA({ client, store, env }: Context): Promise<void> {
  const ref = { tenantId: 'bench', sessionId: 'hot' };
  const total = RATE * SECONDS;
  const interval = 1000 / RATE;
  const starts = new Float64Array(total);
  const acks = new Float64Array(total).fill(Number.NaN);
  let sent = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = 0;
  const errors = new Map<string, number>();
  let maxLag = 0;
  let sleeper: { wake: () => void } | undefined;
  const calls = new Set<Promise<void>>();

  process.stderr.write(`phase A: ${RATE} messages/s into one session for ${SECONDS} s…\n`);
  const t0 = now();
  const end = t0 + SECONDS * 1000;
  for (;;) {
    const t = now();
    if (t >= end || sent >= total) break;
    const due = Math.min(total, Math.floor((t - t0) / interval) + 1);
    while (sent < due && inFlight < CONCURRENCY) {
      const i = sent++;
      starts[i] = now();
      maxLag = Math.max(maxLag, starts[i]! - (t0 + i * interval));
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const call: Promise<void> = client
        .addMessage(ref, { role: 'user', content: `m${i}`, messageId: `m${i}` })
        .then(
          () => {
            acks[i] = now();
          },
          (error: unknown) => {
            failures++;
            const text = describeError(error);
            errors.set(text, (errors.get(text) ?? 0) + 1);
          },
        )
        .finally(() => {
          inFlight--;
          calls.delete(call);
          sleeper?.wake();
        });
      calls.add(call);
    }
    // Behind schedule (all slots busy): wait for a slot. Otherwise: wait for the next due time.
    const behind = sent < due;
    const napping = nap(behind ? undefined : Math.min(end, t0 + sent * interval) - now());
    sleeper = napping;
    await napping.done;
    sleeper = undefined;
  }
  const sendSeconds = (now() - t0) / 1000;
  await Promise.all(calls);
  const drainedSeconds = (now() - t0) / 1000;

  const live = await client.sessionContext(ref);
  const endStarted = now();
  const snapshot = await client.endSession(ref);
  const endMs = now() - endStarted;

  const stored = await store.sessions.listMessages({ ...ref, limit: 100_000 });
  const seqOf = new Map<number, number>();
  let foreign = 0;
  for (const m of stored) {
    const match = /^m(\d+)$/.exec(m.content);
    if (match) seqOf.set(Number(match[1]), m.seq);
    else foreign++;
  }
  const acked = sent - failures;
  const contiguous = stored.every((m, k) => m.seq === k + 1);
  const duplicates = stored.length - seqOf.size - foreign;
  const missing = [...Array(sent).keys()].filter((i) => Number.isFinite(acks[i]!) && !seqOf.has(i)).length;
  const violations = causalViolations(starts, acks, seqOf, sent);
  // Send order: stored content m<i> with i increasing (m0, m1, … when no call failed).
  const sentIndex = stored.map((m) => Number(/^m(\d+)$/.exec(m.content)?.[1] ?? Number.NaN));
  let descents = 0;
  for (let k = 1; k < sentIndex.length; k++) if (!(sentIndex[k]! > sentIndex[k - 1]!)) descents++;
  const inSendOrder = descents === 0 && foreign === 0 && stored.length === acked;

  const runs = await describeRuns(env, sessionWorkflowId(ref.tenantId, ref.sessionId));

  const ackIndices = [...Array(sent).keys()].filter((i) => Number.isFinite(acks[i]!));
  const callLatency = summarize(ackIndices.map((i) => acks[i]! - starts[i]!));
  const scheduleLatency = summarize(ackIndices.map((i) => acks[i]! - (t0 + i * interval)));

  heading(`Phase A: one session, ${RATE} messages/s for ${SECONDS} s`);
  printFacts([
    ['messages sent', `${sent} (${acked} acknowledged, ${failures} failed)`],
    ...[...errors].map(([text, n]) => ['  failure', `${n} x ${text}`] as const),
    [
      'achieved rate',
      `${(sent / sendSeconds).toFixed(1)} messages/s sent over ${sendSeconds.toFixed(1)} s; all acknowledged after ${drainedSeconds.toFixed(1)} s`,
    ],
    [
      'calls in flight',
      `at most ${maxInFlight} (limit ${CONCURRENCY}); worst start delay behind schedule ${fmtMs(maxLag)} ms`,
    ],
  ]);
  console.log('');
  printTable(
    ['addMessage latency', ...LATENCY_HEADERS],
    [
      ['call to acknowledgement', ...latencyCells(callLatency)],
      ['due time to acknowledgement', ...latencyCells(scheduleLatency)],
    ],
  );
  console.log('');
  printFacts([
    [
      'live context before end',
      `${live.conversation.messageCount} messages, persisted through seq ${live.conversation.persistedThrough}, continued as new ${live.run.continuedAsNew} times`,
    ],
    ['endSession', `${fmtMs(endMs)} ms; final snapshot counts ${snapshot.messageCount} messages`],
    [
      'stored in database',
      `${stored.length} messages (expected ${acked}; ${missing} acknowledged but missing, ${duplicates} duplicated)`,
    ],
    ['seq 1..N contiguous', yesNo(contiguous)],
    [
      'order kept (send order)',
      inSendOrder
        ? `yes: stored content is ${failures ? 'in the order sent (failed calls absent)' : 'm0, m1, … in the order sent'}`
        : `NO: ${descents} times a message is stored right after one sent later (calls in flight together may arrive in either order)`,
    ],
    [
      'order kept (causal)',
      violations === 0
        ? 'yes: every message acknowledged before another was sent is stored before it'
        : `NO: ${violations} violations`,
    ],
    [
      'continue-as-new',
      `${runs.length > 0 ? `${runs.length - 1} (${runs.length} runs listed)` : 'runs could not be listed'}; workflow state says ${live.run.continuedAsNew}; ` +
        `the workflow's default of ${SIGNALS_PER_RUN} signals per run calls for at least ${Math.floor(acked / SIGNALS_PER_RUN)}`,
    ],
    ...runs.map((r, k) => [`  run ${k + 1}`, r] as const),
  ]);
}

/** The message of an error and of its causes: "Failed to signalWithStart Workflow: 14 UNAVAILABLE: …". */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.length ? parts.join(': ') : String(error);
}

/** Temporal's per-run history limit: the server terminates a run that reaches it. */
const HISTORY_EVENT_LIMIT = 51_200;
/** `WorkflowTaskFailedCause` numbers seen here (temporal/api/enums/v1/failed_cause.proto). */
const TASK_FAILED_CAUSES: Record<number, string> = {
  1: 'unhandled command',
  13: 'reset sticky task queue',
  14: 'workflow worker unhandled failure',
  24: 'non-deterministic error',
  31: 'unhandled update',
};

/**
 * One line per run of a workflow, oldest first: status, history length (of Temporal's hard limit),
 * signals, and failed workflow tasks by cause (a continue-as-new completion is refused while new
 * signals are pending, which fails the task with "unhandled command").
 */
async function describeRuns(env: TestWorkflowEnvironment, workflowId: string): Promise<string[]> {
  const lines: { start: number; text: string }[] = [];
  try {
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await env.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      let signals = 0;
      let tasksCompleted = 0;
      const failed = new Map<string, number>();
      for (const event of history.events ?? []) {
        if (event.workflowExecutionSignaledEventAttributes) signals++;
        if (event.workflowTaskCompletedEventAttributes) tasksCompleted++;
        const failure = event.workflowTaskFailedEventAttributes;
        if (failure) {
          const cause = TASK_FAILED_CAUSES[failure.cause ?? 0] ?? `cause ${failure.cause}`;
          failed.set(cause, (failed.get(cause) ?? 0) + 1);
        }
      }
      const events = history.events?.length ?? 0;
      const failures = [...failed].map(([cause, n]) => `${n} ${cause}`).join(', ') || 'none';
      lines.push({
        start: run.startTime.getTime(),
        text:
          `${run.status.name.toLowerCase()}, ${events.toLocaleString('en-US')} history events ` +
          `(${((100 * events) / HISTORY_EVENT_LIMIT).toFixed(0)} % of the ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} limit), ` +
          `${signals} signals, ${tasksCompleted} workflow tasks completed, failed workflow tasks: ${failures}`,
      });
    }
  } catch (error) {
    logger.warn({ err: error }, `could not list the runs of ${workflowId}`);
  }
  return lines.sort((a, b) => a.start - b.start).map((l) => l.text);
}

// ---------------------------------------------------------------------------------------------
// Phase B: many sessions

function signedMb(bytes: number): string {
  return `${bytes < 0 ? '-' : '+'}${fmtMb(Math.abs(bytes))}`;
}

function memoryLine(m: NodeJS.MemoryUsage): string {
  return `rss ${fmtMb(m.rss)} MB, heapUsed ${fmtMb(m.heapUsed)} MB`;
}

async function phaseB({ client, store, env, worker }: Context): Promise<void> {
  const tenantId = 'bench-many';
  const ids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
  process.stderr.write(`phase B: opening ${SESSIONS} sessions…\n`);

  const memBefore = process.memoryUsage();
  const cachedBefore = worker.getStatus().numCachedWorkflows;
  const startMs: number[] = [];
  const messageMs: number[] = [];
  const t0 = now();
  await mapLimit(ids, SESSION_CONCURRENCY, async (sessionId) => {
    let t = now();
    await client.startSession({ tenantId, sessionId });
    startMs.push(now() - t);
    t = now();
    await client.addMessage(
      { tenantId, sessionId },
      { role: 'user', content: `hello from ${sessionId}`, messageId: `hello-${sessionId}` },
    );
    messageMs.push(now() - t);
  });
  const openedSeconds = (now() - t0) / 1000;

  await waitFor(
    `all ${SESSIONS} sessions to be open with their message stored`,
    async () => {
      const r = await store.pool.query<{ sessions: number; messages: number }>(
        `select count(*)::int as sessions, coalesce(sum(message_count), 0)::int as messages
         from sessions where tenant_id = $1 and status = 'active'`,
        [tenantId],
      );
      return r.rows[0]!.sessions === SESSIONS && r.rows[0]!.messages === SESSIONS;
    },
    300_000,
  );
  const readySeconds = (now() - t0) / 1000;

  const sample = [...ids].sort(() => Math.random() - 0.5).slice(0, Math.min(QUERY_SAMPLE, SESSIONS));
  const queryMs: number[] = [];
  let sampleRunning = 0;
  for (const sessionId of sample) {
    const t = now();
    const ctx = await client.sessionContext({ tenantId, sessionId });
    queryMs.push(now() - t);
    if (ctx.status === 'active' && ctx.conversation.messageCount === 1 && ctx.conversation.persistedThrough === 1)
      sampleRunning++;
  }
  let runningListed = 'n/a';
  try {
    const counted = await env.client.workflow.count(`BrainOpsTenant = '${tenantId}' AND ExecutionStatus = 'Running'`);
    runningListed = String(counted.count);
  } catch (error) {
    logger.warn({ err: error }, 'could not count running sessions');
  }
  const memAfter = process.memoryUsage();
  const cachedAfter = worker.getStatus().numCachedWorkflows;

  process.stderr.write(`phase B: ending ${SESSIONS} sessions…\n`);
  const endMs: number[] = [];
  let badSnapshots = 0;
  const t1 = now();
  await mapLimit(ids, SESSION_CONCURRENCY, async (sessionId) => {
    const t = now();
    const snapshot = await client.endSession({ tenantId, sessionId });
    endMs.push(now() - t);
    if (snapshot.messageCount !== 1) badSnapshots++;
  });
  const endedSeconds = (now() - t1) / 1000;
  const ended = await store.pool.query<{ n: number }>(
    `select count(*)::int as n from sessions where tenant_id = $1 and status = 'ended'`,
    [tenantId],
  );
  const memEnd = process.memoryUsage();

  heading(`Phase B: ${SESSIONS} sessions at once`);
  printFacts([
    [
      'opened',
      `${SESSIONS} sessions (startSession + one addMessage each, ${SESSION_CONCURRENCY} in flight) in ${openedSeconds.toFixed(1)} s`,
    ],
    [
      'all running',
      `after ${readySeconds.toFixed(1)} s (every session row active with its message stored); running per visibility: ${runningListed}`,
    ],
    [
      'sample queried',
      `${sampleRunning} / ${sample.length} sessions answer the context query as active with 1 message persisted`,
    ],
    ['memory before', `${memoryLine(memBefore)}; workflows cached by the worker: ${cachedBefore}`],
    ['memory, all open', `${memoryLine(memAfter)}; workflows cached by the worker: ${cachedAfter}`],
    [
      'growth',
      `rss ${signedMb(memAfter.rss - memBefore.rss)} MB, heapUsed ${signedMb(memAfter.heapUsed - memBefore.heapUsed)} MB (heapUsed is the main thread only; workflow sandboxes live in worker threads, counted in rss)`,
    ],
    [
      'ended',
      `${SESSIONS} sessions in ${endedSeconds.toFixed(1)} s; ${ended.rows[0]!.n} rows ended in the database; ${badSnapshots} final snapshots without exactly 1 message`,
    ],
    ['memory after end', memoryLine(memEnd)],
  ]);
  console.log('');
  printTable(
    ['call', ...LATENCY_HEADERS],
    [
      ['startSession', ...latencyCells(summarize(startMs))],
      ['addMessage', ...latencyCells(summarize(messageMs))],
      ['context query (sample)', ...latencyCells(summarize(queryMs))],
      ['endSession', ...latencyCells(summarize(endMs))],
    ],
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    temporal: { ...base.temporal, namespace: NAMESPACE, taskQueue: TASK_QUEUE },
  };
  let db: BenchDatabase | undefined;
  let store: MemoryStore | undefined;
  let assembled: AssembledStack | undefined;
  let env: TestWorkflowEnvironment | undefined;
  try {
    installRuntime(logger);
    const startedAll = now();
    db = await startBenchDatabase({ port: 54401, database: 'bench', logger });
    await migrate({ databaseUrl: db.url, logger });

    let t = now();
    const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
    const temporal = await startTestServer({ cli, namespace: NAMESPACE, port: 7400, uiPort: 8400, ui: false });
    env = temporal;
    const devServerSeconds = (now() - t) / 1000;

    t = now();
    const stack = await assembleStack({
      config: { ...config, database: { ...config.database, url: db.url } },
      logger,
      clientConnection: temporal.connection,
      worker: { connection: temporal.nativeConnection, taskQueue: TASK_QUEUE },
      storeOptions: { poolSize: config.database.poolSize },
    });
    assembled = stack;
    store = stack.store;
    const worker = stack.worker!;
    const workerSeconds = (now() - t) / 1000;
    const client = stack.client;

    heading('BrainOps session benchmark');
    printFacts([
      ['machine', machineLine()],
      [
        'database',
        `PostgreSQL ${await serverVersion(db.url)}, ${db.description}; worker pool size ${config.database.poolSize}`,
      ],
      [
        'temporal',
        `dev server on 127.0.0.1:7400 (in memory, CLI from ${cli.origin}) started in ${devServerSeconds.toFixed(1)} s`,
      ],
      [
        'worker',
        `task queue "${TASK_QUEUE}", created (workflows bundled) in ${workerSeconds.toFixed(1)} s; session flush interval ${config.sessionFlushIntervalMs} ms`,
      ],
    ]);

    const ctx: Context = { client, store, env: temporal, worker };
    await worker.runUntil(async () => {
      await phaseA(ctx);
      await phaseB(ctx);
    });
    console.log(`\ntotal run time ${((now() - startedAll) / 1000).toFixed(1)} s`);
  } finally {
    await env?.teardown().catch((error: unknown) => logger.error({ err: error }, 'stopping the dev server failed'));
    await assembled?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the stack failed'));
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
