/**
 * Writes that survive retries and rows PostgreSQL refuses: time to resolution past 24.8 days, a
 * work-history batch with one bad row, a build step whose record fails to write, SystemMonitor
 * results that cannot be stored, and knowledge-base counts under retries.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { loadConfig } from '../temporal.config';
import { createBuildActivities } from '../src/activities/deploy/build-activities';
import { deployTargets } from '../src/activities/deploy/activity-context';
import { createErrorLearningActivities } from '../src/activities/error-learning';
import type { ActivityDeps } from '../src/activities/deps';
import type { MemoryStore } from '../src/memory';
import type { WorkHistoryRecord } from '../src/memory/work-history';
import { summarise } from '../src/interceptors/work-history';
import { cutText } from '../src/domain/text-cut';
import { logger, testConfig, testWorker, useTestStack } from './helpers';

function historyRow(activityId: string, input: unknown): WorkHistoryRecord {
  const now = new Date().toISOString();
  return {
    agentId: 'test',
    action: 'act',
    input,
    output: null,
    success: true,
    durationMs: 1,
    workflowId: 'wf/batch',
    runId: 'run-1',
    activityId,
    attempt: 1,
    startedAt: now,
    finishedAt: now,
  };
}

/** An activity environment whose info says: this workflow run, this activity, this attempt. */
function activityEnv(activityId: string, attempt = 1) {
  return new MockActivityEnvironment({
    workflowExecution: { workflowId: 'wf/durable', runId: 'run-durable' },
    activityId,
    attempt,
  } as never);
}

describe('durable writes (real PostgreSQL)', () => {
  const stack = useTestStack();

  it('resolves an error event older than 24.8 days, and summarises its time to resolution', async () => {
    const signature = 'OldError: resolved after a month';
    const id = await stack.store.errorEvents.record({ signature, errorType: 'OldError', message: 'm', source: 'test' });
    const db = new Client({ connectionString: stack.db.url });
    await db.connect();
    await db.query(`update error_events set occurred_at = now() - interval '40 days' where id = $1`, [id]);
    await db.end();
    assert.equal(await stack.store.errorEvents.resolve({ signature, status: 'resolved' }), 1);
    const [event] = await stack.store.errorEvents.list({ id });
    assert.ok(event!.resolutionMs! > 40 * 86_400_000 - 60_000, `resolutionMs ${event!.resolutionMs}`);
    assert.equal(typeof event!.resolutionMs, 'number');
    const [summary] = (
      await stack.store.errorEvents.summarise({ since: new Date(Date.now() - 50 * 86_400_000) })
    ).filter((s) => s.signature === signature);
    assert.ok(summary!.medianResolutionMs! > 40 * 86_400_000 - 60_000);
  });

  it('cuts summaries on code point boundaries', () => {
    assert.equal(cutText('ab😀', 3), 'ab');
    assert.equal(cutText('ab😀', 4), 'ab😀');
    // An emoji straddling the 2,000-character cut of the summariser.
    const value = { text: `${'x'.repeat(1990)}😀😀😀😀😀😀` };
    for (let pad = 0; pad < 4; pad++) {
      const summary = summarise({ ...value, pad: 'y'.repeat(pad) }) as { preview: string };
      assert.doesNotMatch(summary.preview, /[\ud800-\udbff](?![\udc00-\udfff])/, `pad ${pad}`);
    }
  });

  it('stores the good rows of a work-history batch and keeps the one PostgreSQL refuses', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => historyRow(`good-${i}`, { i }));
    // A lone surrogate (half an emoji): JSON.stringify escapes it, and jsonb refuses the escape.
    rows.splice(25, 0, historyRow('bad', { text: '😀'.slice(0, 1) }));
    await Promise.all(rows.map((r) => stack.store.workHistory.record(r)));
    const stored = await stack.store.workHistory.list({ workflowId: 'wf/batch', limit: 100 });
    assert.equal(stored.length, 50);
    assert.ok(!stored.some((r) => r.activityId === 'bad'));
    const [kept] = await stack.store.workHistory.listUnstored({ kind: 'work_history' });
    assert.equal(kept?.dedupeKey, 'work_history/wf/batch/run-1/bad/1');
    assert.match(kept!.reason, /22P02|surrogate|Unicode/i);
    assert.equal((JSON.parse(kept!.payload) as WorkHistoryRecord).activityId, 'bad');
  });

  it('counts learnSolution and recordSolutionOutcome once when they are retried', async () => {
    const config = testConfig(stack.db.url, {
      errorLearning: {
        ...loadConfig({}).errorLearning,
        remediations: { 'restart-it': { kind: 'wait', delayMs: 1 } },
      },
    });
    const deps: ActivityDeps = {
      store: stack.store,
      logger,
      temporal: stack.env.connection,
      namespace: 'default',
      taskQueue: config.temporal.taskQueue,
      memoryDatabaseUrl: stack.db.url,
    };
    const acts = createErrorLearningActivities(deps, config.errorLearning);
    const learn = {
      signature: 'RetriedError: counted once',
      action: 'restart-it',
      description: 'restart it',
      source: 'human' as const,
    };
    const id: number = await activityEnv('learn-1').run(acts.learnSolution, learn);
    assert.equal(await activityEnv('learn-1', 2).run(acts.learnSolution, learn), id, 'a retry');
    assert.equal((await stack.store.knowledge.getSolution({ id }))!.successCount, 1);
    await activityEnv('outcome-1').run(acts.recordSolutionOutcome, { solutionId: id, success: true });
    await activityEnv('outcome-1', 2).run(acts.recordSolutionOutcome, { solutionId: id, success: true });
    await activityEnv('outcome-1', 3).run(acts.recordSolutionOutcome, { solutionId: id, success: true });
    let solution = (await stack.store.knowledge.getSolution({ id }))!;
    assert.deepEqual([solution.successCount, solution.usageCount], [2, 1]);
    // Another activity is another application.
    await activityEnv('outcome-2').run(acts.recordSolutionOutcome, { solutionId: id, success: false });
    solution = (await stack.store.knowledge.getSolution({ id }))!;
    assert.deepEqual([solution.successCount, solution.failureCount, solution.usageCount], [2, 1, 2]);
    // A person teaching it again (another activity) still counts.
    await activityEnv('learn-2').run(acts.learnSolution, learn);
    assert.equal((await stack.store.knowledge.getSolution({ id }))!.successCount, 3);
  });

  it('does not run a build step again when writing its record fails', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-step-'));
    try {
      const marker = path.join(root, 'ran.log');
      const config = loadConfig({
        BRAINOPS_DEPLOY_TARGETS: JSON.stringify({
          web: {
            repository: path.join(root, 'repo'),
            directory: path.join(root, 'web'),
            steps: [
              {
                name: 'build',
                argv: ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(marker)}, 'ran\\n')`],
              },
            ],
          },
        }),
      });
      fs.mkdirSync(path.join(root, 'web', 'releases', 'abc123'), { recursive: true });
      let writes = 0;
      const flakyStore = {
        deployments: {
          async recordStep() {
            writes++;
            if (writes < 3) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
          },
        },
      } as unknown as MemoryStore;
      const acts = createBuildActivities(
        { store: flakyStore, logger } as unknown as ActivityDeps,
        deployTargets(config.deploy),
      );
      const input = { target: 'web', ref: 'v1', commit: 'abc123', deploymentId: 1, seq: 1, step: 'build' };
      await assert.rejects(activityEnv('step-1').run(acts.runDeployStep, input), /Connection terminated/);
      await assert.rejects(activityEnv('step-1', 2).run(acts.runDeployStep, input), /Connection terminated/);
      const outcome: { exitCode: number | null } = await activityEnv('step-1', 3).run(acts.runDeployStep, input);
      assert.equal(outcome.exitCode, 0);
      assert.equal(writes, 3);
      assert.deepEqual(fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean), ['ran'], 'the step ran once');
      assert.deepEqual(fs.readdirSync(path.join(root, 'web', 'step-results')), [], 'nothing left behind');
      // Another activity (another deployment's step) runs it again.
      await activityEnv('step-2').run(acts.runDeployStep, input);
      assert.equal(fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length, 2);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('finishes a SystemMonitor run whose results PostgreSQL refuses, and keeps them aside', async () => {
    const config = testConfig(stack.db.url, {
      healthTargets: [
        {
          kind: 'command',
          name: 'nul-printer',
          argv: ['node', '-e', "process.stderr.write('broken\\u0000output'); process.exit(1)"],
          env: {},
          timeoutMs: 5000,
        },
      ],
    });
    const worker = await testWorker(stack.env, config, stack.store);
    const workflowId = `system-monitor/unstorable-${Date.now()}`;
    const started = Date.now();
    const result = await worker.runUntil(
      stack.env.client.workflow.execute('systemMonitorWorkflow', {
        workflowId,
        taskQueue: config.temporal.taskQueue,
        args: [{ learnFromErrors: false }],
        workflowExecutionTimeout: '2 minutes',
      }),
    );
    assert.ok(Date.now() - started < 30_000, `finished in ${Date.now() - started} ms`);
    const r = result as { results: { status: string }[]; unstored?: string };
    assert.equal(r.results[0]?.status, 'down');
    // Refused by the input rule before PostgreSQL sees it, or by PostgreSQL itself: either way kept aside.
    const refused = /PostgreSQL refused the results|PostgreSQL cannot store/;
    assert.match(r.unstored ?? '', refused);
    const description = await stack.env.client.workflow.getHandle(workflowId).describe();
    assert.match(String(description.memo?.unstored), refused);
    const kept = (await stack.store.workHistory.listUnstored({ kind: 'health_results' })).find(
      (u) => u.workflowId === workflowId,
    );
    assert.ok(kept, 'the results are kept in unstored_records');
    assert.match(kept.payload, /broken\\u0000output/);
    const events = await stack.store.errorEvents.list({ limit: 20 });
    assert.ok(events.some((e) => e.errorType === 'UnstorableHealthResults' && e.workflowId === workflowId));
  });
});
