import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionState } from '../src/workflows/session-state';

const start = { tenantId: 't', sessionId: 's', agentId: 'a1' };

describe('SessionState (pure rules of a session run)', () => {
  it('numbers messages in arrival order and drops repeated message ids', () => {
    const s = new SessionState(start);
    assert.equal(s.addMessage({ role: 'user', content: 'one', messageId: 'x' }, 'now') !== false, true);
    assert.equal(s.addMessage({ role: 'user', content: 'one again', messageId: 'x' }, 'now'), false);
    s.addMessage({ role: 'assistant', content: 'two' }, 'now');
    assert.deepEqual(
      s.data.pending.map((m) => [m.seq, m.content]),
      [
        [1, 'one'],
        [2, 'two'],
      ],
    );
    assert.equal(s.summary(), '2 messages (1 from user, 1 from assistant)');
  });

  it('continues numbering, counts, tasks and facts of a session opened again', () => {
    const s = new SessionState({ tenantId: 't', sessionId: 's' });
    s.addMessage({ role: 'user', content: 'early' }, 'now');
    s.applyOpened({
      nextSeq: 11,
      messageCount: 10,
      roleCounts: { user: 6, assistant: 4 },
      openTasks: [{ taskId: 'k', title: 'carry me', status: 'open', priority: 'high', createdAt: 'then' }],
      lastSnapshot: { criticalFacts: { plan: 'gold' }, currentAgent: 'a2', recentMessages: [] },
      startedAt: '2026-01-01T00:00:00.000Z',
      resumed: true,
    });
    assert.deepEqual(
      s.data.pending.map((m) => m.seq),
      [11],
      'renumbered once, though also in recent',
    );
    assert.equal(s.data.nextSeq, 12);
    assert.equal(s.summary(), '11 messages (7 from user, 4 from assistant)');
    assert.equal(s.openTasks[0]?.title, 'carry me');
    assert.equal(s.data.currentAgent, 'a2');
    assert.deepEqual(s.data.criticalFacts, { plan: 'gold' });
  });

  it('puts back a failed batch ahead of newer messages', () => {
    const s = new SessionState(start);
    for (const c of ['a', 'b', 'c']) s.addMessage({ role: 'user', content: c }, 'now');
    const batch = s.takePending(2);
    s.addMessage({ role: 'user', content: 'd' }, 'now');
    s.restorePending(batch);
    assert.deepEqual(
      s.data.pending.map((m) => m.content),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('tracks task completion and handoffs in the context', () => {
    const s = new SessionState(start);
    s.upsertTask({ taskId: '1', title: 'x', status: 'open', priority: 'medium', createdAt: 'now' });
    s.upsertTask({ taskId: '2', title: 'y', status: 'open', priority: 'medium', createdAt: 'now' });
    s.upsertTask({
      taskId: '1',
      title: 'x',
      status: 'done',
      priority: 'medium',
      createdAt: 'now',
      completedAt: 'later',
    });
    s.recordHandoff(
      {
        handoffId: 'h',
        sessionId: 's',
        fromAgent: 'a1',
        toAgent: 'a2',
        timestamp: 'now',
        contextSnapshot: s.snapshot('now'),
      },
      { k: 1 },
    );
    const c = s.context(Date.now());
    assert.equal(c.tasks.completionRate, 0.5);
    assert.deepEqual(c.agents, { current: 'a2', previous: 'a1', active: ['a1', 'a2'], handoffCount: 1 });
    assert.deepEqual(c.memory.criticalFacts, { k: 1 });
  });
});
