/** ContextKeeper's activities: the session workflow's reads and writes of memory. */
import type { ContextSnapshot, PersistMessagesResult, SendMessageResult, SessionStart } from '../contracts/session';
import {
  recordDeadLetters,
  type Conversation,
  type HandoffRecord,
  type MessageToStore,
  type MemoryStore,
  type OpenedSession,
  type QuarantinedMessage,
  type SessionKey,
  type SessionMessage,
  type SessionTask,
} from '../memory';
import type { ActivityDeps } from './deps';

/** The store's dead-letter writes, as {@link recordDeadLetters} takes them. */
function deadLetterIo(store: MemoryStore) {
  return {
    quarantine: (key: SessionKey, items: QuarantinedMessage[]) => store.sessions.quarantineMessages({ ...key, items }),
    recordError: (event: Parameters<MemoryStore['errorEvents']['record']>[0]) => store.errorEvents.record(event),
  };
}

export function createSessionActivities({ store }: ActivityDeps) {
  return {
    /** Creates or reactivates the session row; returns where the session left off. */
    async openSession(input: SessionStart & { workflowId: string; chainId?: string }): Promise<OpenedSession> {
      return store.sessions.open({ ...input, metadata: input.metadata as Record<string, unknown> | undefined });
    },
    /**
     * Persists a batch of messages an older workflow run numbered itself (before messages were
     * data): stored through the same statement as the API's, numbered by the database, keyed by
     * their `messageId` (a retry or resend adds nothing); rows PostgreSQL refuses are quarantined.
     * Results are reported under the seqs the run gave them; a message stored before counts as stored
     * by an earlier attempt (never as a resend).
     */
    async persistSessionMessages(
      input: SessionKey & { messages: SessionMessage[]; workflowId?: string },
    ): Promise<PersistMessagesResult> {
      const results = await store.sessions.addMessages({
        ...input,
        messages: input.messages.map((m) => ({ ...m, messageId: m.messageId ?? `legacy-run:${m.seq}` })),
        allowEnded: true,
      });
      const out: Required<PersistMessagesResult> = { inserted: 0, duplicates: [], quarantined: [] };
      results.forEach((r, i) => {
        const seq = input.messages[i]!.seq;
        if (r instanceof Error) out.quarantined.push({ seq, reason: r.message });
        else if (r.status === 'stored') out.inserted++;
        // Stored before (a retried write, or a resend the run did not remember): it was counted once.
        else if (r.status === 'quarantined') out.quarantined.push({ seq, reason: r.reason ?? 'refused' });
      });
      return out;
    },
    /**
     * Stores messages an older client sent to the workflow (the `addMessage` signal or the
     * `sendMessage` update) exactly as the API stores them: one statement, numbered by the
     * database, each `messageId` the idempotency key; the run accepted them while the session was
     * active, so an end that committed first does not refuse them. A message the session refuses
     * (no such session) answers `refused` with the error's code.
     */
    async storeSessionMessages(
      input: SessionKey & { messages: MessageToStore[]; workflowId?: string },
    ): Promise<(SendMessageResult | { refused: string; message: string })[]> {
      const results = await store.sessions.addMessages({ ...input, allowEnded: true });
      return results.map((r) => (r instanceof Error ? { refused: r.code, message: r.message } : r));
    },
    /** The session's conversation as stored (counts, latest messages, last activity), for snapshots. */
    async readSessionConversation(input: SessionKey): Promise<Conversation | undefined> {
      return store.sessions.conversation(input);
    },
    /** Records messages the workflow refused (failed validation) as dead letters, with an error event each. */
    async quarantineSessionMessages(
      input: SessionKey & { items: QuarantinedMessage[]; workflowId?: string },
    ): Promise<{ quarantined: number }> {
      await recordDeadLetters(deadLetterIo(store), input, input.items);
      return { quarantined: input.items.length };
    },
    async persistSessionTask(input: SessionKey & { task: SessionTask }): Promise<void> {
      await store.sessions.upsertTask(input);
    },
    async recordSessionHandoff(input: SessionKey & { handoff: HandoffRecord }): Promise<void> {
      await store.sessions.recordHandoff(input);
      await store.sessions.saveSnapshot({ ...input, snapshot: input.handoff.contextSnapshot });
    },
    async saveSessionSnapshot(input: SessionKey & { snapshot: ContextSnapshot }): Promise<void> {
      await store.sessions.saveSnapshot(input);
    },
    /**
     * Ends a session whose messages are data: marks it ended, completes the snapshot with the
     * conversation as stored, expires its `session`-layer memory; returns the final snapshot.
     */
    async endSessionWithConversation(input: SessionKey & { snapshot: ContextSnapshot }): Promise<ContextSnapshot> {
      return (await store.sessions.endWithConversation(input)).snapshot;
    },
    /** Stores the final snapshot and expires the session's `session`-layer memory. */
    async endSession(input: SessionKey & { snapshot: ContextSnapshot }): Promise<{ expiredEntries: number }> {
      return store.sessions.end(input);
    },
  };
}
