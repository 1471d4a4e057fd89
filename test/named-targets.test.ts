/**
 * Workflow inputs name things; they never carry what runs: SystemMonitor and
 * error-learning resolve health targets by name in the worker, an unknown name or a whole target
 * is a non-retryable ValidationError, and ad-hoc targets are an operator-only option.
 */
import { memoryInput } from '../src/contracts/memory';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { HealthTarget } from '../src/contracts/health';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

function validationFailure(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof WorkflowFailedError &&
    e.cause instanceof ActivityFailure &&
    e.cause.cause instanceof ApplicationFailure &&
    e.cause.cause.type === 'ValidationError' &&
    e.cause.cause.nonRetryable &&
    pattern.test(e.cause.cause.message);
}

describe('named targets: workflows name health targets, the worker resolves them', () => {
  const stack = useTestStack();

  it('refuses the issue’s command target given in a workflow input, runs nothing and creates no file', async () => {
    const file = path.join(os.tmpdir(), `brainops-x-${process.pid}-${Date.now()}`);
    const config = testConfig(stack.db.url);
    const worker = await testWorker(stack.env, config, stack.store);
    const workflowId = `system-monitor/attack-${Date.now()}`;
    const before = await stack.store.entries.retrieve(memoryInput.identity({ key: 'health/memory-database' }));
    await worker.runUntil(async () => {
      // What `temporal workflow start --type systemMonitorWorkflow --input '{"targets":[…]}'` sends.
      await assert.rejects(
        stack.env.client.workflow.execute('systemMonitorWorkflow', {
          taskQueue: config.temporal.taskQueue,
          workflowId,
          args: [{ targets: [{ kind: 'command', name: 'memory-database', argv: ['sh', '-c', `env > ${file}`] }] }],
        }),
        validationFailure(/health targets are named, not described/),
      );
    });
    assert.equal(fs.existsSync(file), false, 'no command ran');
    const checks = await stack.store.pool.query(
      `select count(*)::int as n from work_history where workflow_id = $1 and action = 'checkHealthTarget'`,
      [workflowId],
    );
    assert.equal(checks.rows[0].n, 0, 'no check was even scheduled');
    const after = await stack.store.entries.retrieve(memoryInput.identity({ key: 'health/memory-database' }));
    assert.deepEqual(after?.value, before?.value, 'the real health entry is untouched');
  });

  it("a tenant's error report may name only that tenant's session workflows, for a fix to reset", async () => {
    const client = stack.client(testConfig(stack.db.url));
    const count = async () => (await stack.store.pool.query('select count(*)::int as n from error_events')).rows[0].n;
    const before = await count();
    for (const workflowId of ['session/globex/s1', 'system-monitor/scheduled', 'session/acme-other/s1'])
      await assert.rejects(
        client.reportError({ tenantId: 'acme', workflowId, message: 'boom', source: 'shop' }),
        (e: Error) =>
          e.name === 'ValidationError' && /workflowId/.test(e.message) && /session\/<tenant>/.test(e.message),
        workflowId,
      );
    assert.equal(await count(), before, 'nothing of the refused reports was recorded');
  });

  it('refuses an unknown name (non-retryable) and checks configured ones by name', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await assert.rejects(
        client.runMonitor(['nope']),
        validationFailure(/"nope" is not a configured health target \(configured: memory-database, temporal\)/),
      );
      const run = await client.runMonitor(['temporal']);
      assert.deepEqual(
        run.results.map((r) => [r.target, r.status]),
        [['temporal', 'up']],
      );
    });
  });

  it('resolves an error-learning target by name only: a whole target in its input runs nothing', async () => {
    const file = path.join(os.tmpdir(), `brainops-el-${process.pid}-${Date.now()}`);
    const config = testConfig(stack.db.url, {
      errorLearning: {
        ...testConfig(stack.db.url).errorLearning,
        remediations: { pause: { kind: 'wait', delayMs: 1 } },
        targetRemediations: { 'memory-database': 'pause' },
      },
    });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const handle = await stack.env.client.workflow.start('errorLearningWorkflow', {
        taskQueue: config.temporal.taskQueue,
        workflowId: `error-learning/attack-${Date.now()}`,
        args: [
          {
            signature: `attack-${Date.now()}`,
            errorType: 'HealthCheckFailed',
            message: 'postgres check of memory-database failed',
            source: 'SystemMonitor',
            target: { kind: 'command', name: 'memory-database', argv: ['sh', '-c', `env > ${file}`] },
            verifyAttempts: 1,
            escalationTimeoutMs: 1000,
          },
        ],
      });
      await eventually(
        async () => {
          const rows = await stack.store.pool.query(
            `select count(*)::int as n from work_history where workflow_id = $1 and action = 'checkHealthTarget'`,
            [handle.workflowId],
          );
          return rows.rows[0].n > 0 ? true : undefined;
        },
        20_000,
        'the verification check',
      );
      await handle.terminate('done').catch(() => undefined);
    });
    assert.equal(fs.existsSync(file), false, 'the configured postgres target was checked, not the argv');
  });

  it('checks ad-hoc targets only when the operator allows them, and never under a configured name', async () => {
    const adHoc: HealthTarget = { kind: 'temporal', name: 'ad-hoc-temporal', timeoutMs: 2000 };
    const off = testConfig(stack.db.url);
    await testWorker(stack.env, off, stack.store).then((w) =>
      w.runUntil(async () => {
        await assert.rejects(stack.client(off).runMonitor([adHoc]), validationFailure(/ad-hoc targets are off/));
      }),
    );
    const on = testConfig(stack.db.url, { allowAdHocTargets: true });
    await testWorker(stack.env, on, stack.store).then((w) =>
      w.runUntil(async () => {
        const client = stack.client(on);
        assert.equal((await client.runMonitor([adHoc])).results[0]?.status, 'up');
        await assert.rejects(
          client.runMonitor([{ ...adHoc, name: 'temporal' }]),
          validationFailure(/may not take the name of configured target "temporal"/),
        );
      }),
    );
  });

  it('runs a configured command target without the worker’s secrets in its environment', async () => {
    const file = path.join(os.tmpdir(), `brainops-env-${process.pid}-${Date.now()}`);
    const target: HealthTarget = {
      kind: 'command',
      name: 'env-dump',
      argv: [
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(process.env))`,
      ],
      env: { OWN: 'yes' },
      timeoutMs: 5000,
    };
    process.env.BRAINOPS_TEST_SECRET = 'hunter2-secret';
    try {
      const config = testConfig(stack.db.url, { healthTargets: [target] });
      const worker = await testWorker(stack.env, config, stack.store);
      await worker.runUntil(async () => {
        assert.equal((await stack.client(config).runMonitor(['env-dump'])).results[0]?.status, 'up');
      });
      const env = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
      assert.equal(env.OWN, 'yes');
      assert.equal(env.BRAINOPS_TEST_SECRET, undefined);
      assert.equal(env.DATABASE_URL, undefined);
      assert.equal(env.BRAINOPS_TEST_ADMIN_URL, undefined);
    } finally {
      delete process.env.BRAINOPS_TEST_SECRET;
      fs.rmSync(file, { force: true });
    }
  });
});
