import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../src/activities';
import { sessionWorkflow } from '../src/workflows';
import { addMessageSignal, endUpdate } from '../src/contracts/session-messages';
import { useTestStack, workflowBundle } from './helpers';

type Activities = ReturnType<typeof createActivities>;

describe('session workflow with mocked activities (real dev server)', () => {
  const stack = useTestStack({ database: false });

  it('stores signalled messages once each, in arrival order, through the store activity', async () => {
    const batches: { messageId: string; content: string }[][] = [];
    let seq = 0;
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
      storeSessionMessages: async ({ messages }) => {
        batches.push(messages);
        return messages.map((m) => ({ seq: ++seq, messageId: m.messageId, status: 'stored' as const }));
      },
      endSessionWithConversation: async ({ snapshot }) => ({ ...snapshot, messageCount: seq }),
    };
    const taskQueue = `mocked-${randomUUID()}`;
    const worker = await Worker.create({
      connection: stack.env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: mocked,
    });
    const order: string[] = [];
    await worker.runUntil(async () => {
      const handle = await stack.env.client.workflow.start(sessionWorkflow, {
        taskQueue,
        workflowId: `session/t/${randomUUID()}`,
        args: [{ tenantId: 't', sessionId: 's' }],
      });
      for (let i = 0; i < 20; i++) {
        order.push(`m${i}`);
        await handle.signal(addMessageSignal, { role: 'user', content: `m${i}` });
      }
      const snapshot = await handle.executeUpdate(endUpdate, { args: [{}] });
      assert.equal(snapshot.messageCount, 20);
    });
    const all = batches.flat();
    assert.deepEqual(
      all.map((m) => m.content),
      order,
    );
    assert.equal(new Set(all.map((m) => m.messageId)).size, 20);
  });
});
