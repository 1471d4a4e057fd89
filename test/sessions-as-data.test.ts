import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toApiError } from '../src/api/errors';
import { OverloadedError } from '../src/contracts/errors';
import { errorAnswer } from '../src/http/answers';
import { SessionMessageWriter, type MessageToStore } from '../src/memory/session-messages';
import { sessionWorkflowId } from '../src/contracts/names';
import { sessionWorkflow } from '../src/workflows';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

const message = (id: string): MessageToStore => ({ role: 'user', content: id, messageId: id });

describe('session messages as data: group commit and its limits', () => {
  it('shares a statement among the messages that wait, and answers 429/503 with Retry-After past its limits', async () => {
    const statements: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seq = 0;
    const writer = new SessionMessageWriter(
      {
        write: async (_key, messages) => {
          statements.push(messages.map((m) => m.messageId));
          await gate;
          return { rows: messages.map(() => ({ seq: ++seq, stored: true })), status: 'active' };
        },
        quarantine: async () => undefined,
        recordError: async () => undefined,
      },
      { maxWaitingPerSession: 2, maxWaiting: 3 },
    );
    const a = { tenantId: 't', sessionId: 'a' };
    const first = writer.append(a, message('a1'));
    const waiting = [writer.append(a, message('a2')), writer.append(a, message('a3'))];
    await assert.rejects(writer.append(a, message('a4')), (e) => {
      assert.ok(e instanceof OverloadedError);
      const answer = errorAnswer(toApiError(e)!);
      assert.deepEqual([answer.status, answer.retryAfter], [429, 1]);
      return true;
    });
    // b1 goes at once; b2 waits: three wait in this process now, the limit.
    const other = [writer.append({ tenantId: 't', sessionId: 'b' }, message('b1'))];
    other.push(writer.append({ tenantId: 't', sessionId: 'b' }, message('b2')));
    await assert.rejects(writer.append({ tenantId: 't', sessionId: 'c' }, message('c1')), (e) => {
      const answer = errorAnswer(toApiError(e)!);
      assert.deepEqual([answer.status, answer.retryAfter], [503, 1]);
      return true;
    });
    release();
    const answers = await Promise.all([first, ...waiting, ...other]);
    assert.ok(answers.every((r) => r.status === 'stored'));
    // a1 went alone; a2 and a3 waited for it and shared the next statement.
    assert.deepEqual(statements.map((s) => s.join(',')).sort(), ['a1', 'a2,a3', 'b1', 'b2']);
  });
});

describe('session messages as data (real PostgreSQL, real Temporal)', () => {
  const stack = useTestStack();

  it('numbers 200 concurrent messages 1..200 gap-free, answers a resend with its seq, refuses ended and unknown sessions', async () => {
    const ref = { tenantId: 'acme', sessionId: 'data-1' };
    await stack.store.sessions.open({ ...ref, workflowId: 'w' });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => stack.store.sessions.appendMessage({ ...ref, message: message(`m${i}`) })),
    );
    assert.deepEqual(
      answers.map((a) => a.seq).sort((x, y) => x - y),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    const again = await stack.store.sessions.appendMessage({ ...ref, message: { ...message('m42'), content: 'x' } });
    assert.deepEqual(again, { seq: answers[42]!.seq, messageId: 'm42', status: 'duplicate' });
    const stored = await stack.store.sessions.listMessages(ref);
    assert.equal(stored.length, 200);
    for (const a of answers) assert.equal(stored[a.seq - 1]!.messageId, a.messageId);
    assert.equal((await stack.store.sessions.conversation(ref))?.messageCount, 200);

    // Another tenant does not see the session: not found, nothing stored.
    await assert.rejects(
      stack.store.sessions.appendMessage({ tenantId: 'globex', sessionId: 'data-1', message: message('x') }),
      (e) => toApiError(e)?.kind === 'not_found',
    );
    await stack.store.sessions.end({ ...ref, snapshot: {} });
    await assert.rejects(
      stack.store.sessions.appendMessage({ ...ref, message: message('late') }),
      (e) => toApiError(e)?.kind === 'conflict',
    );
    // A resend of a stored message still answers its seq after the end.
    assert.equal((await stack.store.sessions.appendMessage({ ...ref, message: message('m0') })).seq, answers[0]!.seq);
    await assert.rejects(
      stack.store.sessions.appendMessage({ tenantId: 'acme', sessionId: 'nope', message: message('x') }),
      (e) => toApiError(e)?.kind === 'not_found',
    );
    assert.equal((await stack.store.sessions.listMessages(ref)).length, 200);
  });

  it('quarantines a row PostgreSQL refuses without giving it a seq, and stores the others around it', async () => {
    const ref = { tenantId: 'acme', sessionId: 'data-2' };
    await stack.store.sessions.open({ ...ref, workflowId: 'w' });
    const results = await stack.store.sessions.addMessages({
      ...ref,
      messages: ['one', 'bad\u0000', 'three'].map((content, i) => ({ ...message(`q${i}`), content })),
    });
    assert.deepEqual(
      results.map((r) => (r instanceof Error ? r.message : [r.seq, r.status])),
      [
        [1, 'stored'],
        [0, 'quarantined'],
        [2, 'stored'],
      ],
    );
    const dead = await stack.store.sessions.listQuarantinedMessages(ref);
    assert.deepEqual(
      dead.map((d) => [d.messageId, d.source]),
      [['q1', 'database']],
    );
  });

  it('ends a session after inactivity, and sleeps again while the database shows activity', async () => {
    const config = testConfig(stack.db.url);
    const ref = { tenantId: 'acme', sessionId: 'idle-1' };
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const handle = await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: sessionWorkflowId(ref.tenantId, ref.sessionId),
        args: [{ ...ref, inactivityTimeoutMs: 3000 }],
      });
      await eventually(async () => ((await stack.store.sessions.conversation(ref)) ? true : undefined), 20_000, 'open');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // A message the workflow never sees: its timer finds it in the database and sleeps again.
      const stored = await stack.store.sessions.appendMessage({ ...ref, message: message('keep-alive') }).then(
        () => 1,
        (e: unknown) => (toApiError(e)?.kind === 'conflict' ? 0 : Promise.reject(e)),
      );
      const snapshot = await handle.result();
      assert.equal(snapshot.continuationInstructions, 'ended after inactivity');
      assert.equal(snapshot.messageCount, stored);
      const timers = (await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes).length ?? 0;
      assert.ok(timers >= 1 + stored, `${timers} timers`);
    });
    assert.equal((await stack.store.sessions.conversation(ref))?.status, 'ended');
  });
});
