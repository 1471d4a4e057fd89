/**
 * `npm run bench:errors`: what error-learning costs and how fast it reacts, on the embedded
 * PostgreSQL and a real dev server.
 * - capture overhead: the error-event insert every failed activity attempt adds (the interceptor
 *   awaits it), over BENCH_ERRORS attempts;
 * - error → remediation started: from `reportError` returning to the remediation activity
 *   starting (work history), over BENCH_ERRORS errors with distinct signatures arriving at
 *   BENCH_RATE per second (default 10), each with a known solution (a `wait` of 0 ms).
 */
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import { errorSignature } from '../src/domain/error-signature';
import {
  createBenchLogger,
  envInt,
  runBench,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  mapLimit,
  now,
  printFacts,
  printTable,
  sleep,
  summarize,
  waitFor,
} from './lib';
import { asOperator, withBenchStack } from './stack';

const ERRORS = envInt('BENCH_ERRORS', 200);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10);
/** Errors per second; a large rate (1000) is a burst that queues behind one worker. */
const RATE = envInt('BENCH_RATE', 10);
const TASK_QUEUE = 'bench-errors';
const logger = createBenchLogger('bench-error-learning');

async function main(): Promise<void> {
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    temporal: { ...base.temporal, namespace: 'default', taskQueue: TASK_QUEUE },
    errorLearning: { ...base.errorLearning, remediations: { pause: { kind: 'wait', delayMs: 0 } } },
  };
  await withBenchStack({ config, dbPort: 54402, temporalPort: 7401, logger }, async ({ db, store, worker, api }) => {
    heading('BrainOps error-learning benchmark');
    printFacts([
      ['machine', machineLine()],
      ['database', db.description],
      [
        'method',
        `${ERRORS} errors at up to ${RATE} per second, ${CONCURRENCY} reports at a time; each signature has a known solution (wait 0 ms)`,
      ],
    ]);

    // Capture overhead: the insert the interceptor awaits for each failed attempt.
    const capture: number[] = [];
    for (let i = 0; i < ERRORS; i++) {
      const message = `connect ECONNREFUSED 127.0.0.1:${6000 + i}`;
      const t = now();
      await store.errorEvents.record({
        signature: errorSignature('Error', message),
        errorType: 'Error',
        message,
        source: 'activity',
        workflowId: 'bench',
        activityType: 'probe',
        attempt: 1,
        dedupeKey: `bench/capture/${i}`,
      });
      capture.push(now() - t);
    }

    const messages = Array.from(
      { length: ERRORS },
      (_, i) => `bench failure kind ${String.fromCharCode(65 + (i % 26))}${Math.floor(i / 26)} in module m${i}x`,
    );
    for (const message of messages) {
      await store.knowledge.upsertSolution({
        problemSignature: errorSignature('BenchError', message),
        description: 'bench',
        action: 'pause',
        params: {},
        source: 'human',
      });
    }
    const reported = new Map<string, number>();
    await worker.runUntil(async () => {
      const begin = Date.now();
      await mapLimit(messages, CONCURRENCY, async (message, i) => {
        await sleep(Math.max(0, begin + (i * 1000) / RATE - Date.now()));
        const r = await asOperator(api.knowledge.report, { errorType: 'BenchError', message, source: 'bench' });
        reported.set(r.workflowId, Date.now());
      });
      await waitFor(
        'every error resolved',
        async () =>
          (
            await store.pool.query(
              "select count(*)::int as n from error_events where source = 'bench' and status = 'resolved'",
            )
          ).rows[0].n === ERRORS,
        120_000,
      );
    });
    const started = await store.pool.query<{ workflowId: string; startedAt: Date }>(
      `select workflow_id as "workflowId", min(started_at) as "startedAt" from work_history
       where action = 'applyRemediation' group by workflow_id`,
    );
    const toRemediation = started.rows.map((r) => r.startedAt.getTime() - reported.get(r.workflowId)!);

    printTable(
      ['measure', ...LATENCY_HEADERS],
      [
        ['error capture (insert per failed attempt)', ...latencyCells(summarize(capture))],
        ['error reported → remediation started', ...latencyCells(summarize(toRemediation))],
      ],
    );
    const p95 = summarize(toRemediation).p95;
    console.log(
      `\nerror → remediation started p95 = ${p95.toFixed(0)} ms (target < 1000 ms) ${p95 < 1000 ? 'MET' : 'NOT MET'}`,
    );
  });
}

runBench(main, logger);
