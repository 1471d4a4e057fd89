import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { BrainOpsConfig } from '../temporal.config';
import { sessionWorkflowId } from '../src/contracts/names';
import { sessionWorkflow } from '../src/workflows';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

/** Fails the first attempt of the named activities after they have done their work. */
function failFirstAttemptAfterWork(types: string[]): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        if (types.includes(ctx.info.activityType) && ctx.info.attempt === 1) {
          throw ApplicationFailure.retryable('injected failure after the write', 'InjectedFailure');
        }
        return result;
      },
    },
  });
}

describe('ContextKeeper session workflow (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();

  function clientFor(config: BrainOpsConfig) {
    return stack.client(config);
  }

  it('runs a session end to end, surviving a worker restart in the middle', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'lifecycle' };

    const first = await testWorker(stack.env, config, stack.store);
    await first.runUntil(async () => {
      await client.startSession({ ...ref, userId: 'u1', agentId: 'general_assistant', title: 'Checkout help' });
      await client.addMessage(ref, { role: 'user', content: 'My checkout fails' });
      await client.addMessage(ref, { role: 'assistant', content: 'Let me look' });
      const task = await client.addTask(ref, { title: 'Review auth module', priority: 'high' });
      assert.match(task.taskId, /^task-/);
      assert.equal(task.status, 'open');
      await eventually(
        async () => ((await stack.store.sessions.listMessages(ref)).length === 2 ? true : undefined),
        10_000,
        'messages persisted',
      );
    });

    // No worker: messages wait in Temporal, nothing is lost.
    for (let i = 0; i < 5; i++) await client.addMessage(ref, { role: 'user', content: `while down ${i}` });

    const second = await testWorker(stack.env, config, stack.store);
    await second.runUntil(async () => {
      const context = await eventually(
        async () => {
          const c = await client.sessionContext(ref);
          return c.conversation.persistedThrough === 7 ? c : undefined;
        },
        20_000,
        'messages after restart persisted',
      );
      assert.equal(context.conversation.messageCount, 7);
      assert.equal(context.tasks.pending.length, 1);

      const handoff = await client.handoff(ref, {
        toAgent: 'code_specialist',
        reason: 'needs code review',
        criticalInfo: { project: 'shop', language: 'ts' },
        continuationInstructions: 'Review the auth module',
      });
      assert.equal(handoff.fromAgent, 'general_assistant');
      assert.equal(handoff.toAgent, 'code_specialist');
      assert.equal(handoff.contextSnapshot.conversationSummary, '7 messages (6 from user, 1 from assistant)');
      assert.deepEqual(handoff.contextSnapshot.criticalFacts, { project: 'shop', language: 'ts' });
      assert.deepEqual(
        handoff.contextSnapshot.pendingTasks.map((t) => t.title),
        ['Review auth module'],
      );
      assert.equal(handoff.contextSnapshot.continuationInstructions, 'Review the auth module');

      const done = await client.completeTask(ref, { taskId: context.tasks.pending[0]!.taskId, result: { ok: true } });
      assert.equal(done.status, 'done');

      await stack.store.entries.store(
        memoryInput.store({
          key: 'scratch',
          value: 1,
          memoryType: 'workflow_state',
          layer: 'session',
          scope: 'session',
          tenantId: 'acme',
          sessionId: 'lifecycle',
        }),
      );
      const final = await client.endSession(ref, { summary: 'Auth reviewed' });
      assert.equal(final.messageCount, 7);
      assert.equal(final.currentAgent, 'code_specialist');
      assert.equal(final.pendingTasks.length, 0);
      assert.equal(
        await stack.store.entries.retrieve(
          memoryInput.identity({ key: 'scratch', scope: 'session', tenantId: 'acme', sessionId: 'lifecycle' }),
        ),
        null,
        'session memory expired at end',
      );
    });

    const messages = await stack.store.sessions.listMessages(ref);
    assert.deepEqual(
      messages.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      messages.slice(2).map((m) => m.content),
      [0, 1, 2, 3, 4].map((i) => `while down ${i}`),
    );
    const [session] = await stack.store.sessions.list({ tenantId: 'acme' });
    assert.equal(session?.status, 'ended');
    assert.equal(session?.messageCount, 7);
    const handoffs = await stack.store.pool.query(
      'select to_agent, critical_info from handoffs where session_id = $1',
      ['lifecycle'],
    );
    assert.deepEqual(handoffs.rows, [
      { to_agent: 'code_specialist', critical_info: { project: 'shop', language: 'ts' } },
    ]);
    const tasks = await stack.store.sessions.listTasks({ tenantId: 'acme', sessionId: 'lifecycle' });
    assert.deepEqual(
      tasks.map((t) => [t.title, t.status]),
      [['Review auth module', 'done']],
    );
    const history = await stack.store.workHistory.list({
      tenantId: 'acme',
      workflowId: sessionWorkflowId('acme', 'lifecycle'),
    });
    assert.ok(history.some((h) => h.action === 'storeSessionMessages' && h.success && h.agentId === 'ContextKeeper'));
    assert.ok(
      history.some(
        (h) => h.action === 'endSessionWithConversation' && h.tenantId === 'acme' && h.sessionId === 'lifecycle',
      ),
    );
  });

  it('resumes an ended session with its numbering when a message arrives (signal-with-start)', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'lifecycle' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await client.addMessage(ref, { role: 'user', content: 'back again' });
      const context = await eventually(
        async () => {
          const c = await client.sessionContext(ref);
          return c.conversation.persistedThrough === 8 ? c : undefined;
        },
        10_000,
        'resumed message persisted',
      );
      assert.equal(context.conversation.messageCount, 8);
      assert.equal(context.agents.current, 'code_specialist', 'agent carried from the last snapshot');
      assert.deepEqual(context.memory.criticalFacts, { project: 'shop', language: 'ts' });
      await client.endSession(ref);
    });
    const messages = await stack.store.sessions.listMessages(ref);
    assert.equal(messages.at(-1)?.seq, 8);
    assert.equal(messages.at(-1)?.content, 'back again');
  });

  it('continues as new without losing or reordering messages, and drops duplicate message ids', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'busy' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: sessionWorkflowId(ref.tenantId, ref.sessionId),
        args: [{ ...ref, maxSignalsPerRun: 20, flushIntervalMs: 20 }],
      });
      // Bursts of 10 concurrent signals; between bursts the session catches up, so several runs
      // each take their share (signals that race a continue-as-new travel in the carried state).
      for (let burst = 0; burst < 15; burst++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) => burst * 10 + j).map((i) =>
            client.addMessage(ref, { role: 'user', content: `m${i}`, messageId: `id-${i}` }),
          ),
        );
        await eventually(
          async () =>
            (await client.sessionContext(ref)).conversation.persistedThrough === burst * 10 + 10 ? true : undefined,
          10_000,
          `burst ${burst}`,
        );
      }
      for (let i = 0; i < 5; i++)
        await client.addMessage(ref, { role: 'user', content: `m${i}`, messageId: `id-${i}` });
      const context = await eventually(
        async () => {
          const c = await client.sessionContext(ref);
          return c.conversation.persistedThrough === 150 ? c : undefined;
        },
        30_000,
        'all messages persisted',
      );
      let runs = 0;
      for await (const _ of stack.env.client.workflow.list({
        query: `WorkflowId = '${sessionWorkflowId(ref.tenantId, ref.sessionId)}'`,
      }))
        runs++;
      // How many runs share the signals depends on timing; that the run rolled over does not.
      assert.ok(context.run.continuedAsNew >= 1, `continued as new ${context.run.continuedAsNew} times`);
      assert.equal(runs, context.run.continuedAsNew + 1);
      assert.equal(context.conversation.messageCount, 150);
      await client.endSession(ref);
    });
    const messages = await stack.store.sessions.listMessages({ ...ref, limit: 1000 });
    assert.equal(messages.length, 150);
    // Concurrent signals of one burst arrive in any order; bursts keep theirs.
    for (let burst = 0; burst < 15; burst++) {
      const got = messages
        .slice(burst * 10, burst * 10 + 10)
        .map((m) => m.content)
        .sort();
      assert.deepEqual(got, Array.from({ length: 10 }, (_, j) => `m${burst * 10 + j}`).sort(), `burst ${burst}`);
    }
    assert.deepEqual(
      messages.map((m) => m.seq),
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
  });

  it('rolls over to a new run under steady traffic, not only when traffic pauses', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'steady' };
    const workflowId = sessionWorkflowId(ref.tenantId, ref.sessionId);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ ...ref, maxSignalsPerRun: 50, flushIntervalMs: 10 }],
      });
      // A steady stream: one message after another with no pause for the session to go idle.
      for (let i = 0; i < 300; i++) await client.addMessage(ref, { role: 'user', content: `s${i}` });
      await eventually(
        async () => ((await client.sessionContext(ref)).conversation.persistedThrough === 300 ? true : undefined),
        30_000,
        'persisted',
      );
      await client.endSession(ref);
    });
    const signalsPerRun: number[] = [];
    for await (const run of stack.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await stack.env.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      signalsPerRun.push((history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length);
    }
    // A continue-as-new that races a signal is refused by the server and retried with the signal,
    // and signals that arrive before a slow worker's next workflow task reach one run together,
    // so how many each run takes depends on the machine's load; what must hold is that the
    // session rolls over while the traffic goes on and that no message is lost, doubled or
    // reordered across the runs (below).
    assert.ok(signalsPerRun.length >= 2, `runs: ${JSON.stringify(signalsPerRun)}`);
    const messages = await stack.store.sessions.listMessages({ ...ref, limit: 1000 });
    assert.deepEqual(
      messages.map((m) => m.content),
      Array.from({ length: 300 }, (_, i) => `s${i}`),
      'sequential sends keep their order',
    );
  });

  it('does not duplicate rows when a persistence activity is retried after writing', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'retried' };
    const worker = await testWorker(stack.env, config, stack.store, {
      activityInterceptors: [failFirstAttemptAfterWork(['storeSessionMessages', 'persistSessionTask', 'storeMemory'])],
    });
    await worker.runUntil(async () => {
      await client.addMessage(ref, { role: 'user', content: 'once' });
      await client.addTask(ref, { title: 'only one row', taskId: 'T1' });
      await eventually(
        async () => ((await client.sessionContext(ref)).conversation.persistedThrough === 1 ? true : undefined),
        15_000,
        'persisted',
      );
      await client.endSession(ref);
    });
    const messages = await stack.store.pool.query(
      'select count(*)::int as n from session_messages where session_id = $1',
      ['retried'],
    );
    assert.equal(messages.rows[0].n, 1);
    const session = await stack.store.pool.query('select message_count::int as n from sessions where session_id = $1', [
      'retried',
    ]);
    assert.equal(session.rows[0].n, 1, 'message_count counts the retried batch once');
    const tasks = await stack.store.pool.query('select count(*)::int as n from session_tasks where session_id = $1', [
      'retried',
    ]);
    assert.equal(tasks.rows[0].n, 1);
    const attempts = await stack.store.pool.query(
      "select attempt, success from work_history where workflow_id = $1 and action = 'storeSessionMessages' order by attempt",
      [sessionWorkflowId('acme', 'retried')],
    );
    assert.deepEqual(
      attempts.rows.slice(0, 2),
      [
        { attempt: 1, success: false },
        { attempt: 2, success: true },
      ],
      'both attempts are in work history',
    );
    const captured = await stack.store.pool.query(
      "select error_type, signature, attempt from error_events where workflow_id = $1 and activity_type = 'storeSessionMessages'",
      [sessionWorkflowId('acme', 'retried')],
    );
    assert.equal(captured.rows.length, 1, 'the failed attempt is one error event');
    assert.equal(captured.rows[0].error_type, 'InjectedFailure');
    assert.equal(captured.rows[0].attempt, 1);
    assert.match(captured.rows[0].signature, /^InjectedFailure: injected failure after the write @ /);
  });

  it('rejects bad updates with a clear error and keeps the session intact', async () => {
    const config = testConfig(stack.db.url);
    const client = clientFor(config);
    const ref = { tenantId: 'acme', sessionId: 'strict' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await client.startSession(ref);
      const handle = stack.env.client.workflow.getHandle(sessionWorkflowId(ref.tenantId, ref.sessionId));
      await assert.rejects(
        handle.executeUpdate('completeTask', { args: [{ taskId: 'nope' }] }),
        (e) =>
          e instanceof WorkflowUpdateFailedError && /taskId: no task "nope"/.test(String((e.cause as Error)?.message)),
      );
      await assert.rejects(
        handle.executeUpdate('handoff', { args: [{ reason: 'x' }] }),
        (e) => e instanceof WorkflowUpdateFailedError && /toAgent/.test(String((e.cause as Error)?.message)),
      );
      await assert.rejects(handle.executeUpdate('addTask', { args: [{ title: '' }] }), (e) =>
        /title/.test(String((e as Error & { cause?: Error }).cause?.message)),
      );
      // An invalid signal is quarantined, never stored, and the run goes on.
      await handle.signal('addMessage', { role: 'robot', content: 'x' });
      await client.addMessage(ref, { role: 'user', content: 'valid' });
      const c = await eventually(
        async () => {
          const ctx = await client.sessionContext(ref);
          return ctx.conversation.persistedThrough === 1 ? ctx : undefined;
        },
        10_000,
        'valid message',
      );
      assert.deepEqual(
        c.conversation.recentMessages.map((m) => m.content),
        ['valid'],
      );
      await client.endSession(ref);
    });
  });
});
