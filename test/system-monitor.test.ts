import { memoryInput } from '../src/contracts/memory';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { HealthTarget } from '../src/contracts/health';
import { SCHEDULE_IDS } from '../src/contracts/names';
import { ValidationError } from '../src/contracts/errors';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('SystemMonitor (real Temporal, real PostgreSQL, real HTTP server)', () => {
  const stack = useTestStack();

  it('sees a local HTTP service go down and come back, recording transitions and errors', async () => {
    let status = 200;
    const service = http.createServer((_req, res) => res.writeHead(status).end('ok'));
    const port = await listen(service);
    const targets: HealthTarget[] = [
      { kind: 'http', name: 'web', url: `http://127.0.0.1:${port}/health`, expectStatus: 200, timeoutMs: 2000 },
      { kind: 'tcp', name: 'web-tcp', host: '127.0.0.1', port, timeoutMs: 2000 },
      { kind: 'postgres', name: 'memory-database', timeoutMs: 2000 },
      { kind: 'temporal', name: 'temporal', timeoutMs: 2000 },
    ];
    const config = testConfig(stack.db.url, { healthTargets: targets });
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store, { clientConnection: stack.env.connection });
    await worker.runUntil(async () => {
      const up = await client.runMonitor();
      assert.deepEqual(
        up.results.map((r) => [r.target, r.status]),
        [
          ['web', 'up'],
          ['web-tcp', 'up'],
          ['memory-database', 'up'],
          ['temporal', 'up'],
        ],
      );
      assert.deepEqual(up.transitions, [], 'first sight of an up target is not a transition');

      status = 503;
      const degraded = await client.runMonitor();
      assert.equal(degraded.results[0]?.status, 'down');
      assert.match(degraded.results[0]?.error ?? '', /HTTP 503 .* expected 200/);
      assert.deepEqual(degraded.transitions, [{ target: 'web', from: 'up', to: 'down' }]);

      await closeServer(service);
      const down = await client.runMonitor();
      assert.deepEqual(
        down.results.slice(0, 2).map((r) => r.status),
        ['down', 'down'],
      );
      assert.match(down.results[1]?.error ?? '', /ECONNREFUSED/);
      assert.deepEqual(down.transitions, [{ target: 'web-tcp', from: 'up', to: 'down' }], 'web was already down');

      status = 200;
      const revived = http.createServer((_req, res) => res.writeHead(status).end('ok'));
      await listen(revived, port);
      const back = await client.runMonitor();
      assert.deepEqual(
        back.results.map((r) => r.status),
        ['up', 'up', 'up', 'up'],
      );
      assert.deepEqual(back.transitions, [
        { target: 'web', from: 'down', to: 'up' },
        { target: 'web-tcp', from: 'down', to: 'up' },
      ]);
      await closeServer(revived);
    });

    const latest = await stack.store.entries.retrieve(memoryInput.identity({ key: 'health/web' }));
    assert.equal((latest?.value as { status: string }).status, 'up');
    assert.equal(latest?.memoryType, 'health_check');
    const events = await stack.store.entries.list(
      memoryInput.list({ memoryType: 'system_event', keyPrefix: 'system-event/health/web/' }),
    );
    assert.deepEqual(events.map((e) => (e.value as { to: string }).to).sort(), ['down', 'up']);
    const errors = await stack.store.errorEvents.list({ limit: 10 });
    assert.equal(errors.length, 3, 'one error event per failing check');
    assert.ok(errors.every((e) => e.source === 'SystemMonitor' && e.errorType === 'HealthCheckFailed'));
    const signatures = new Set(errors.filter((e) => e.context?.target === 'web').map((e) => e.signature));
    assert.equal(signatures.size, 2, 'HTTP 503 and connection refused are different problems');
    const history = await stack.store.workHistory.list({ agentId: 'SystemMonitor', limit: 100 });
    assert.equal(history.filter((h) => h.action === 'checkHealthTarget').length, 16, 'every check is in work history');
  });

  it('rejects bad health targets at the edge with the field named', async () => {
    const client = stack.client(testConfig(stack.db.url));
    await assert.rejects(
      client.runMonitor([{ kind: 'http', name: 'x', url: 'ftp://example' } as never]),
      (e) => e instanceof ValidationError && /health target 0: url/.test(e.message),
    );
    await assert.rejects(
      client.runMonitor([{ kind: 'tcp', name: 'x', host: '127.0.0.1', port: 70000 } as never]),
      (e) => e instanceof ValidationError && /port/.test(e.message),
    );
    await assert.rejects(
      client.runMonitor([{ kind: 'smtp', name: 'x' } as never]),
      (e) => e instanceof ValidationError && /kind/.test(e.message),
    );
  });

  it('checks a command target: up when it exits 0, down with its telltale output line otherwise', async () => {
    const marker = path.join(os.tmpdir(), `brainops-check-${process.pid}-${Date.now()}`);
    const script = `if (!require('fs').existsSync(${JSON.stringify(marker)})) { console.error('queue consumer not running'); process.exit(3); }`;
    const target: HealthTarget = {
      kind: 'command',
      name: 'consumer',
      argv: [process.execPath, '-e', script],
      env: {},
      timeoutMs: 5000,
    };
    const config = testConfig(stack.db.url, { healthTargets: [target] });
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const down = await client.runMonitor();
      assert.deepEqual(
        [down.results[0]?.status, down.results[0]?.error],
        ['down', `${process.execPath} exited with code 3: queue consumer not running`],
      );
      fs.writeFileSync(marker, '');
      try {
        assert.equal((await client.runMonitor()).results[0]?.status, 'up');
      } finally {
        fs.rmSync(marker, { force: true });
      }
    });
  });

  it('fails a run with a bad target without retrying it, and records the failure as error events', async () => {
    const config = testConfig(stack.db.url);
    const worker = await testWorker(stack.env, config, stack.store);
    const workflowId = `system-monitor/bad-${Date.now()}`;
    await worker.runUntil(async () => {
      await assert.rejects(
        stack.env.client.workflow.execute('systemMonitorWorkflow', {
          taskQueue: config.temporal.taskQueue,
          workflowId,
          args: [{ targets: [{ kind: 'tcp', name: 'nowhere', host: '127.0.0.1', port: 0 }] }],
        }),
        (e) =>
          e instanceof WorkflowFailedError &&
          e.cause instanceof ActivityFailure &&
          e.cause.cause instanceof ApplicationFailure &&
          e.cause.cause.type === 'ValidationError' &&
          e.cause.cause.nonRetryable &&
          /health targets are named, not described/.test(e.cause.cause.message),
      );
    });
    const rows = await stack.store.pool.query(
      'select source, attempt, activity_type from error_events where workflow_id = $1 order by source',
      [workflowId],
    );
    assert.deepEqual(rows.rows, [
      { source: 'activity', attempt: 1, activity_type: 'configuredHealthTargets' },
      { source: 'workflow', attempt: null, activity_type: null },
    ]);
    // The failed workflow was handed to error-learning, which knows where it came from.
    const learning = await eventually(
      async () => {
        for await (const w of stack.env.client.workflow.list({ query: "WorkflowType = 'errorLearningWorkflow'" })) {
          if (w.memo?.source === 'workflow systemMonitorWorkflow') return w;
        }
        return undefined;
      },
      15_000,
      'error-learning for the failed workflow',
    );
    const payload = (await stack.env.client.workflow.getHandle(learning.workflowId).fetchHistory()).events?.[0]
      ?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = JSON.parse(Buffer.from(payload!.data!).toString()) as {
      failedWorkflowId?: string;
      errorType: string;
    };
    assert.deepEqual([input.failedWorkflowId, input.errorType], [workflowId, 'ValidationError']);
  });

  it('applies its schedule idempotently, and a triggered run records health', async () => {
    const base = testConfig(stack.db.url);
    const config = { ...base, schedules: { ...base.schedules, systemMonitorIntervalMs: 3_600_000 } };
    const client = stack.client(config);
    const monitorOutcome = (applied: { scheduleId: string; outcome: string }[]) =>
      applied.find((a) => a.scheduleId === SCHEDULE_IDS.systemMonitor)?.outcome;
    assert.equal(monitorOutcome(await client.applySchedules()), 'created');
    assert.equal(monitorOutcome(await client.applySchedules()), 'updated');
    const handle = stack.env.client.schedule.getHandle(SCHEDULE_IDS.systemMonitor);
    const description = await handle.describe();
    assert.equal(description.spec.intervals?.[0]?.every, 3_600_000);
    assert.equal(description.policies.overlap, 'SKIP');
    const listed = await client.listSchedules();
    assert.ok(
      listed.some((s) => s.scheduleId === SCHEDULE_IDS.systemMonitor && s.workflowType === 'systemMonitorWorkflow'),
    );

    const before = (await stack.store.workHistory.list({ agentId: 'SystemMonitor', limit: 1000 })).length;
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await handle.trigger();
      await eventually(
        async () => ((await handle.describe()).info.recentActions.length > 0 ? true : undefined),
        15_000,
        'scheduled run',
      );
      await eventually(
        async () => {
          const rows = await stack.store.workHistory.list({ agentId: 'SystemMonitor', limit: 1000 });
          return rows.length > before &&
            rows.some((r) => r.action === 'recordHealthResults' && r.workflowId.startsWith('system-monitor/scheduled'))
            ? true
            : undefined;
        },
        20_000,
        'scheduled run recorded',
      );
    });
    await handle.delete();
  });
});
