/** ContextKeeper's activities: the session workflow's reads and writes of memory. */
import type { ContextSnapshot, SessionStart } from '../contracts/session';
import type { HandoffRecord, OpenedSession, SessionKey, SessionMessage, SessionTask } from '../memory';
import type { ActivityDeps } from './deps';

export function createSessionActivities({ store }: ActivityDeps) {
  return {
    /** Creates or reactivates the session row; returns where the session left off. */
    async openSession(input: SessionStart & { workflowId: string }): Promise<OpenedSession> {
      return store.openSession({ ...input, metadata: input.metadata as Record<string, unknown> | undefined });
    },
    /** Persists a batch of messages; sequence numbers already stored are skipped. */
    async persistSessionMessages(input: SessionKey & { messages: SessionMessage[] }): Promise<{ inserted: number }> {
      return { inserted: await store.appendMessages(input) };
    },
    async persistSessionTask(input: SessionKey & { task: SessionTask }): Promise<void> {
      await store.upsertTask(input);
    },
    async recordSessionHandoff(input: SessionKey & { handoff: HandoffRecord }): Promise<void> {
      await store.recordHandoff(input);
      await store.saveSnapshot({ ...input, snapshot: input.handoff.contextSnapshot });
    },
    async saveSessionSnapshot(input: SessionKey & { snapshot: ContextSnapshot }): Promise<void> {
      await store.saveSnapshot(input);
    },
    /** Stores the final snapshot and expires the session's `session`-layer memory. */
    async endSession(input: SessionKey & { snapshot: ContextSnapshot }): Promise<{ expiredEntries: number }> {
      return store.endSession(input);
    },
  };
}
