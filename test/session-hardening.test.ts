/**
 * Sessions never block and never drop a message: hostile signals are quarantined, the update
 * answers, a burst of large messages survives continue-as-new, and a reset adds no row.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { sessionWorkflowId } from '../src/contracts/names';
import { createSessionActivities } from '../src/activities/sessions';
import { sessionWorkflow } from '../src/workflows';
import { Worker } from '@temporalio/worker';
import { eventually, logger, testConfig, testWorker, useTestStack, workflowBundle } from './helpers';

describe('session hardening (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();

  const rows = async (sessionId: string) =>
    (
      await stack.store.pool.query<{ seq: number; content: string; message_id: string }>(
        'select seq::int, content, message_id from session_messages where session_id = $1 order by seq',
        [sessionId],
      )
    ).rows;

  it('quarantines a NUL, a lone surrogate and deep metadata between good messages, and ends within seconds', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const ref = { tenantId: 'acme', sessionId: 'nul1' };
    const workflowId = sessionWorkflowId(ref.tenantId, ref.sessionId);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await client.startSession(ref);
      const handle = stack.env.client.workflow.getHandle(workflowId);
      // As `temporal workflow signal` sends them: nothing validates them before the workflow.
      await handle.signal('addMessage', { role: 'user', content: 'good 1' });
      await handle.signal('addMessage', { role: 'user', content: 'a\u0000b' });
      await handle.signal('addMessage', { role: 'user', content: 'good 2' });
      await handle.signal('addMessage', { role: 'user', content: 'x\ud800y' });
      // 10,000 levels: too deep for this client's JSON.stringify, so sent as JSON text, as the CLI does.
      const deepJson = `{"role":"user","content":"deep","metadata":${'{"a":'.repeat(9999)}{}${'}'.repeat(9999)}}`;
      await stack.env.client.workflowService.signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId },
        signalName: 'addMessage',
        input: {
          payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(deepJson) }],
        },
        requestId: randomUUID(),
      });
      await handle.signal('addMessage', { role: 'user', content: 'good 3' });
      const context = await eventually(
        async () => {
          const c = await client.sessionContext(ref);
          return c.conversation.persistedThrough === 3 && c.conversation.quarantined === 3 ? c : undefined;
        },
        10_000,
        'good messages persisted, bad ones quarantined',
      );
      assert.equal(context.conversation.messageCount, 3);
      const started = Date.now();
      await client.endSession(ref);
      assert.ok(Date.now() - started < 5000, 'the end does not hang');
      const memo = (await handle.describe()).memo;
      assert.equal(memo?.quarantinedMessages, 3, 'the memo the Web UI shows counts them');
      // The new behaviour replays deterministically (quarantine activity, memo, patch marker).
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory());
    });
    assert.deepEqual(
      (await rows('nul1')).map((r) => r.content),
      ['good 1', 'good 2', 'good 3'],
    );
    const dead = await stack.store.sessions.listQuarantinedMessages(ref);
    assert.equal(dead.length, 3);
    assert.ok(dead.every((d) => d.source === 'validation'));
    assert.match(dead[0]!.reason, /content: contains a NUL character/);
    assert.match(dead[0]!.payload, /a\\u0000b/, 'the payload is kept, escaped');
    assert.match(dead[1]!.reason, /lone UTF-16 surrogate/);
    assert.match(dead[2]!.reason, /metadata: JSON nested deeper than 64 levels/);
    assert.ok(dead[2]!.payload.length <= 4096);
    const events = await stack.store.pool.query(
      "select error_type, message from error_events where error_type = 'QuarantinedMessage' and context->>'sessionId' = 'nul1'",
    );
    assert.equal(events.rows.length, 3, 'one error event per quarantined message');
  });

  it('answers the sendMessage update: a bad field is refused by the validator, a good one gets its seq', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const ref = { tenantId: 'acme', sessionId: 'update1' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await client.startSession(ref);
      const first = await client.sendMessage(ref, { role: 'user', content: 'hello' });
      assert.deepEqual({ seq: first.seq, status: first.status }, { seq: 1, status: 'stored' });
      const again = await client.sendMessage(ref, { role: 'user', content: 'hello', messageId: first.messageId });
      assert.equal(again.status, 'duplicate');
      assert.equal(again.seq, 1);
      await assert.rejects(client.sendMessage(ref, { role: 'user', content: 'a\u0000' }), /content: contains a NUL/);
      const handle = stack.env.client.workflow.getHandle(sessionWorkflowId(ref.tenantId, ref.sessionId));
      await assert.rejects(
        handle.executeUpdate('sendMessage', { args: [{ role: 'user', content: 'a\u0000' }] }),
        (e) =>
          e instanceof WorkflowUpdateFailedError &&
          /content: contains a NUL character/.test(String((e.cause as Error)?.message)) &&
          (e.cause as { type?: string }).type === 'ValidationError',
      );
      const second = await client.sendMessage(ref, { role: 'assistant', content: 'hi' });
      assert.equal(second.seq, 2);
      const c = await client.sessionContext(ref);
      assert.equal(c.conversation.quarantined, 0, 'a refused update is not a quarantined message');
      await client.endSession(ref);
    });
    assert.deepEqual(
      (await rows('update1')).map((r) => r.content),
      ['hello', 'hi'],
    );
  });

  it('stores a burst of 25 messages of 100,000 characters across continue-as-new, without termination', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const ref = { tenantId: 'acme', sessionId: 'burst' };
    const workflowId = sessionWorkflowId(ref.tenantId, ref.sessionId);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ ...ref, maxSignalsPerRun: 10 }],
      });
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          client.addMessage(ref, {
            role: 'user',
            content: `${i}:`.padEnd(100_000, String.fromCharCode(97 + (i % 26))),
          }),
        ),
      );
      await eventually(
        async () => ((await client.sessionContext(ref)).conversation.persistedThrough === 25 ? true : undefined),
        60_000,
        'all 25 persisted',
      );
      // The run persists the burst, then saves a snapshot before it continues as new: a query in
      // between sees all 25 persisted and no continue-as-new yet.
      await eventually(
        async () => ((await client.sessionContext(ref)).run.continuedAsNew >= 1 ? true : undefined),
        30_000,
        'a continue-as-new during the burst (25 signals, at most 10 per run)',
      );
      await client.endSession(ref);
    });
    const stored = await rows('burst');
    assert.equal(stored.length, 25);
    assert.ok(stored.every((r) => r.content.length === 100_000));
    assert.deepEqual(new Set(stored.map((r) => r.content.split(':')[0])).size, 25);
    for await (const run of stack.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      assert.notEqual(run.status.name, 'TERMINATED', `run ${run.runId} was terminated`);
  });

  it('leaves no duplicate after a reset to the first workflow task, nor after a resend', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const ref = { tenantId: 'acme', sessionId: 'reset1' };
    const workflowId = sessionWorkflowId(ref.tenantId, ref.sessionId);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { runId } = await client.startSession(ref);
      const handle = stack.env.client.workflow.getHandle(workflowId);
      for (let i = 1; i <= 4; i++) await handle.signal('addMessage', { role: 'user', content: `m${i}` });
      await client.addMessage(ref, { role: 'user', content: 'm5', messageId: 'caller-5' });
      await eventually(
        async () => ((await client.sessionContext(ref)).conversation.persistedThrough === 5 ? true : undefined),
        10_000,
        'five persisted',
      );
      const history = await handle.fetchHistory();
      const firstCompleted = history.events!.find((e) => e.workflowTaskCompletedEventAttributes)!;
      const reset = await stack.env.client.workflowService.resetWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId, runId },
        workflowTaskFinishEventId: firstCompleted.eventId,
        requestId: randomUUID(),
        reason: 'test: reset to the first workflow task',
      });
      const resetHandle = stack.env.client.workflow.getHandle(workflowId, reset.runId!);
      await eventually(
        async () =>
          (await resetHandle.query('context')) &&
          ((await resetHandle.query<{ conversation: { persistedThrough: number } }>('context')).conversation
            .persistedThrough ?? 0) >= 5
            ? true
            : undefined,
        20_000,
        'the reset run caught up',
      );
      await client.addMessage(ref, { role: 'user', content: 'm5 again', messageId: 'caller-5' });
      await client.addMessage(ref, { role: 'user', content: 'm6' });
      await eventually(async () => ((await rows('reset1')).length === 6 ? true : undefined), 10_000, 'sixth message');
      await client.endSession(ref);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await resetHandle.fetchHistory());
    });
    const stored = await rows('reset1');
    assert.deepEqual(
      stored.map((r) => [r.seq, r.content]),
      [
        [1, 'm1'],
        [2, 'm2'],
        [3, 'm3'],
        [4, 'm4'],
        [5, 'm5'],
        [6, 'm6'],
      ],
    );
    assert.equal(new Set(stored.map((r) => r.message_id)).size, 6, 'every row has its own key');
    const [session] = await stack.store.sessions
      .list({ tenantId: 'acme' })
      .then((s) => s.filter((x) => x.sessionId === 'reset1'));
    assert.equal(session?.messageCount, 6);
  });

  it('isolates a row PostgreSQL refuses by splitting the batch, and quarantines it', async () => {
    const ref = { tenantId: 'acme', sessionId: 'split1' };
    await stack.store.sessions.open({ ...ref, workflowId: 'w' });
    const acts = createSessionActivities({ store: stack.store, logger } as never);
    const at = new Date().toISOString();
    const messages = ['one', 'two', 'bad\u0000', 'four', 'five'].map((content, i) => ({
      seq: i + 1,
      role: 'user' as const,
      content,
      messageId: `k${i + 1}`,
      createdAt: at,
    }));
    const result = await acts.persistSessionMessages({ ...ref, messages });
    assert.equal(result.inserted, 4);
    assert.deepEqual(
      result.quarantined?.map((q) => q.seq),
      [3],
    );
    assert.match(result.quarantined![0]!.reason, /22021|0x00/);
    const again = await acts.persistSessionMessages({ ...ref, messages });
    assert.equal(again.inserted, 0, 'a retry adds nothing');
    assert.deepEqual(again.duplicates, []);
    assert.deepEqual(
      (await rows('split1')).map((r) => r.content),
      ['one', 'two', 'four', 'five'],
    );
    const dead = await stack.store.sessions.listQuarantinedMessages(ref);
    assert.equal(dead.length, 1, 'one dead letter, even after the retry');
    assert.equal(dead[0]!.source, 'database');
    assert.match(dead[0]!.payload, /bad\\u0000/);
  });
});
