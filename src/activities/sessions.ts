/** ContextKeeper's activities: the session workflow's reads and writes of memory. */
import { boundedPreview, storableExcerpt } from '../contracts/limits';
import type { ContextSnapshot, PersistMessagesResult, SessionStart } from '../contracts/session';
import { errorSignature } from '../domain/error-signature';
import {
  isDataError,
  type HandoffRecord,
  type MemoryStore,
  type OpenedSession,
  type QuarantinedMessage,
  type SessionKey,
  type SessionMessage,
  type SessionTask,
} from '../memory';
import type { ActivityDeps } from './deps';

/** Characters of a dead letter's payload kept in its error event's context. */
const EVENT_PREVIEW_CHARS = 500;

/** Records dead letters and one error event each (keyed, so a retry records nothing twice). */
async function quarantine(store: MemoryStore, key: SessionKey & { workflowId?: string }, items: QuarantinedMessage[]) {
  if (items.length === 0) return;
  await store.sessions.quarantineMessages({ ...key, items });
  for (const item of items) {
    await store.errorEvents.record({
      signature: errorSignature('QuarantinedMessage', item.reason),
      errorType: 'QuarantinedMessage',
      message: `session message quarantined (${item.source}): ${item.reason}`.slice(0, 10_000),
      context: {
        tenantId: key.tenantId,
        sessionId: key.sessionId,
        seq: item.seq ?? null,
        messageId: item.messageId ?? null,
        payload: item.payload.slice(0, EVENT_PREVIEW_CHARS),
      },
      source: 'session',
      agentId: 'ContextKeeper',
      workflowId: key.workflowId,
      activityType: 'quarantineSessionMessages',
      tenantId: key.tenantId,
      dedupeKey: `quarantine/${key.tenantId}/${key.sessionId}/${item.quarantineKey}`,
    });
  }
}

function reasonOf(error: unknown): string {
  const e = error as { message?: string; code?: string };
  return storableExcerpt(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`, 2000);
}

export function createSessionActivities({ store }: ActivityDeps) {
  /**
   * Inserts `messages`; a batch PostgreSQL refuses for its data is split in halves until the
   * refused rows are isolated, and those are quarantined. Connection errors are thrown (retried).
   */
  async function persist(key: SessionKey, messages: SessionMessage[], out: Required<PersistMessagesResult>) {
    try {
      const r = await store.sessions.addMessages({ ...key, messages });
      out.inserted += r.inserted;
      out.duplicates.push(...r.duplicates);
      for (const seq of r.conflicts) out.quarantined.push({ seq, reason: `seq ${seq} is held by another message` });
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (messages.length === 1) {
        out.quarantined.push({ seq: messages[0]!.seq, reason: reasonOf(error) });
        return;
      }
      const half = Math.ceil(messages.length / 2);
      await persist(key, messages.slice(0, half), out);
      await persist(key, messages.slice(half), out);
    }
  }

  return {
    /** Creates or reactivates the session row; returns where the session left off. */
    async openSession(input: SessionStart & { workflowId: string; chainId?: string }): Promise<OpenedSession> {
      return store.sessions.open({ ...input, metadata: input.metadata as Record<string, unknown> | undefined });
    },
    /**
     * Persists a batch of messages. Rows already stored (same key) are skipped; rows PostgreSQL
     * refuses are isolated and quarantined, never retried forever.
     */
    async persistSessionMessages(
      input: SessionKey & { messages: SessionMessage[]; workflowId?: string },
    ): Promise<PersistMessagesResult> {
      const out: Required<PersistMessagesResult> = { inserted: 0, duplicates: [], quarantined: [] };
      await persist(input, input.messages, out);
      const bySeq = new Map(input.messages.map((m) => [m.seq, m]));
      await quarantine(
        store,
        input,
        out.quarantined.map(({ seq, reason }) => {
          const m = bySeq.get(seq);
          return {
            quarantineKey: `seq:${seq}`,
            seq,
            messageId: m?.messageId,
            payload: boundedPreview(m, 4096),
            reason,
            source: 'database' as const,
          };
        }),
      );
      return out;
    },
    /** Records messages the workflow refused (failed validation) as dead letters, with an error event each. */
    async quarantineSessionMessages(
      input: SessionKey & { items: QuarantinedMessage[]; workflowId?: string },
    ): Promise<{ quarantined: number }> {
      await quarantine(store, input, input.items);
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
    /** Stores the final snapshot and expires the session's `session`-layer memory. */
    async endSession(input: SessionKey & { snapshot: ContextSnapshot }): Promise<{ expiredEntries: number }> {
      return store.sessions.end(input);
    },
  };
}
