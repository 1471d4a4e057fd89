import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../src/activities';
import type { SessionMessage } from '../src/memory';
import { sessionWorkflow } from '../src/workflows';
import { addMessageSignal, endUpdate } from '../src/contracts/session-messages';
import { useTestStack, workflowBundle } from './helpers';

type Activities = ReturnType<typeof createActivities>;

describe('session workflow with mocked activities (real dev server)', () => {
  const stack = useTestStack({ database: false });

  it('persists a burst of messages in one batch, in order', async () => {
    const batches: SessionMessage[][] = [];
    const mocked: Partial<Activities> = {
      openSession: async () => ({
        nextSeq: 1,
        messageCount: 0,
        roleCounts: {},
        openTasks: [],
        lastSnapshot: null,
        startedAt: new Date().toISOString(),
        resumed: false,
      }),
      persistSessionMessages: async ({ messages }) => {
        batches.push(messages);
        return { inserted: messages.length };
      },
      endSession: async () => ({ expiredEntries: 0 }),
    };
    const taskQueue = `mocked-${randomUUID()}`;
    const worker = await Worker.create({
      connection: stack.env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: mocked,
    });
    await worker.runUntil(async () => {
      const handle = await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue,
        workflowId: `session/t/${randomUUID()}`,
        args: [{ tenantId: 't', sessionId: 's', flushIntervalMs: 1000 }],
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => handle.signal(addMessageSignal, { role: 'user', content: `m${i}` })),
      );
      const snapshot = await handle.executeUpdate(endUpdate, { args: [{}] });
      assert.equal(snapshot.messageCount, 20);
    });
    const all = batches.flat();
    assert.equal(all.length, 20);
    assert.deepEqual(
      all.map((m) => m.seq),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.ok(batches.length <= 3, `20 messages in ${batches.length} batches`);
  });
});
