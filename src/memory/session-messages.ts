/**
 * Session messages as data: a message is written straight to `session_messages` and numbered in
 * the same statement from the session row's counter (`next_seq`), so seqs are gap-free and in
 * commit order whoever writes them (the API, an activity of an older workflow run). Concurrent
 * messages of one session share statements (group commit, {@link SessionMessageWriter}); a
 * message id makes a resend a no-op that answers the original seq. Rows PostgreSQL refuses for
 * their data are isolated and quarantined (a dead letter and an error event), never retried.
 */
import { boundedPreview, storableExcerpt } from '../contracts/limits';
import type { QuarantinedMessage, SendMessageResult } from '../contracts/session';
import { BrainOpsError, OverloadedError } from '../contracts/errors';
import { errorSignature } from '../domain/error-signature';
import type { Queryable } from './connections';
import type { ErrorEventInput } from './error-events';

/** A message to store; `messageId` is its idempotency key (unique per session). */
export interface MessageToStore {
  role: string;
  content: string;
  agentId?: string;
  metadata?: Record<string, unknown>;
  messageId: string;
  /** When it was said (an older workflow run's own time); default: the commit's time. */
  createdAt?: string;
}

/** One message of a batch as the statement answered it. */
interface WrittenRow {
  seq: number | null;
  stored: boolean;
}

/** What one statement did with a batch, in input order, and the session's status then. */
interface WriteOutcome {
  rows: WrittenRow[];
  /** `null`: no such session in this tenant. */
  status: 'active' | 'ended' | null;
}

/** The message id index: a resend racing its original on another server; the statement is retried. */
const MESSAGE_ID_INDEX = 'session_messages_message_id';

/**
 * Writes a batch in one statement: each message whose id is not stored yet gets the next seq of
 * the session's counter (locked and moved by the same statement) and one row; a stored id (or a
 * repeat within the batch) adds nothing and answers the stored seq. Nothing is added to an ended
 * session unless `allowEnded` (messages an older workflow run accepted before its end).
 * @throws the PostgreSQL error of a row it refuses (see {@link isDataError}).
 */
export async function writeMessages(
  db: Queryable,
  key: { tenantId: string; sessionId: string },
  messages: MessageToStore[],
  allowEnded = false,
): Promise<WriteOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await db.query<{ seq: string | null; stored: boolean; status: WriteOutcome['status'] }>(
        `with input as (
           select * from unnest($3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[])
             with ordinality as m(role, agent_id, content, metadata, message_id, created_at, ord)
         ), firsts as (
           select distinct on (message_id) * from input order by message_id, ord
         ), fresh as (
           select f.*, row_number() over (order by f.ord) as n from firsts f
           where not exists (select 1 from session_messages e
             where e.tenant_id = $1 and e.session_id = $2 and e.message_id = f.message_id)
         ), counter as (
           update sessions s set next_seq = s.next_seq + c.n, message_count = s.message_count + c.n,
             last_activity_at = case when c.n > 0 then now() else s.last_activity_at end
           from (select count(*) as n from fresh) c
           where s.tenant_id = $1 and s.session_id = $2 and ($9 or s.status = 'active')
           returning s.next_seq - c.n as base
         ), inserted as (
           insert into session_messages
             (tenant_id, session_id, seq, role, agent_id, content, metadata, message_id, created_at)
           select $1, $2, counter.base + f.n - 1, f.role, f.agent_id, f.content, f.metadata, f.message_id,
             coalesce(f.created_at, now())
           from fresh f cross join counter
           returning seq, message_id
         )
         select coalesce(ins.seq, e.seq) as seq, (ins.seq is not null and f.ord = i.ord) as stored,
           (select status from sessions where tenant_id = $1 and session_id = $2) as status
         from input i
         join firsts f on f.message_id = i.message_id
         left join inserted ins on ins.message_id = i.message_id
         left join session_messages e on e.tenant_id = $1 and e.session_id = $2 and e.message_id = i.message_id
         order by i.ord`,
        [
          key.tenantId,
          key.sessionId,
          messages.map((m) => m.role),
          messages.map((m) => m.agentId ?? null),
          messages.map((m) => m.content),
          messages.map((m) => JSON.stringify(m.metadata ?? {})),
          messages.map((m) => m.messageId),
          messages.map((m) => m.createdAt ?? null),
          allowEnded,
        ],
      );
      return {
        rows: result.rows.map((r) => ({ seq: r.seq === null ? null : Number(r.seq), stored: r.stored })),
        status: result.rows[0]?.status ?? null,
      };
    } catch (error) {
      const e = error as { code?: string; constraint?: string };
      // Another statement stored one of these ids after this one's snapshot: the next attempt sees it.
      if (e.code === '23505' && e.constraint === MESSAGE_ID_INDEX && attempt < 3) continue;
      throw error;
    }
  }
}

/**
 * True for an error PostgreSQL raises because of the data itself (SQLSTATE classes 22 data
 * exception, 23 integrity constraint, 54 program limit such as a too-long tsvector): the same
 * row fails again on every retry. Connection errors and others are not.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

/** What the writer needs of the store: the statement, dead letters and error events. */
export interface MessageWriterIo {
  write(key: SessionRefKey, messages: MessageToStore[], allowEnded: boolean): Promise<WriteOutcome>;
  quarantine(key: SessionRefKey, items: QuarantinedMessage[]): Promise<unknown>;
  recordError(event: ErrorEventInput): Promise<unknown>;
}

type SessionRefKey = { tenantId: string; sessionId: string };

/** Characters of a dead letter's payload kept in its error event's context. */
const EVENT_PREVIEW_CHARS = 500;

/**
 * Records dead letters and one error event each (keyed, so a retry records nothing twice): the
 * one way a refused session message is quarantined, from the API or a workflow's activity.
 */
export async function recordDeadLetters(
  io: Pick<MessageWriterIo, 'quarantine' | 'recordError'>,
  key: SessionRefKey & { workflowId?: string },
  items: QuarantinedMessage[],
): Promise<void> {
  if (items.length === 0) return;
  await io.quarantine(key, items);
  for (const item of items) {
    await io.recordError({
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

/** Limits of a {@link SessionMessageWriter}. */
export interface MessageWriterLimits {
  /** Messages per statement. @defaultValue 500 */
  maxBatch?: number;
  /** Messages waiting for one session before it answers 429. @defaultValue 5000 */
  maxWaitingPerSession?: number;
  /** Messages waiting in this process before it answers 503. @defaultValue 50000 */
  maxWaiting?: number;
}

/** The messages of one session waiting for its next statement. */
interface Queue {
  key: SessionRefKey;
  allowEnded: boolean;
  items: Waiting[];
}

interface Waiting {
  message: MessageToStore;
  resolve: (r: SendMessageResult) => void;
  reject: (e: unknown) => void;
}

/** The error of a message to a session that has ended (409) or that this tenant does not have (404). */
function refusal(status: WriteOutcome['status']): BrainOpsError {
  return status === null
    ? new BrainOpsError('NotFound', 'no such session in this tenant', false)
    : new BrainOpsError('SessionEnded', 'the session has ended; resume it to add messages', false);
}

/**
 * Group commit per session: a message is written at once when its session has no statement in
 * flight, and messages arriving meanwhile wait and go together in the next statement. One
 * statement per session at a time keeps the session row's lock uncontended; sessions write in
 * parallel (up to the pool). Past its limits it refuses at once ({@link OverloadedError}) instead
 * of queueing without bound.
 */
export class SessionMessageWriter {
  private readonly queues = new Map<string, Queue>();
  private waiting = 0;
  private readonly maxBatch: number;
  private readonly maxWaitingPerSession: number;
  private readonly maxWaiting: number;

  constructor(
    private readonly io: MessageWriterIo,
    limits: MessageWriterLimits = {},
  ) {
    this.maxBatch = limits.maxBatch ?? 500;
    this.maxWaitingPerSession = limits.maxWaitingPerSession ?? 5000;
    this.maxWaiting = limits.maxWaiting ?? 50_000;
  }

  /**
   * Stores one message (group-committed with the session's concurrent ones); answers after commit.
   * @throws BrainOpsError `NotFound` / `SessionEnded`; OverloadedError past the limits.
   */
  append(key: SessionRefKey, message: MessageToStore, allowEnded = false): Promise<SendMessageResult> {
    if (this.waiting >= this.maxWaiting)
      return Promise.reject(new OverloadedError('unavailable', 'too many session messages are waiting to be stored'));
    const id = JSON.stringify([key.tenantId, key.sessionId, allowEnded]);
    const existing = this.queues.get(id);
    if (existing && existing.items.length >= this.maxWaitingPerSession)
      return Promise.reject(
        new OverloadedError('rate_limited', 'too many messages are waiting to be stored for this session'),
      );
    const queue = existing ?? { key, allowEnded, items: [] };
    this.queues.set(id, queue);
    const done = new Promise<SendMessageResult>((resolve, reject) => queue.items.push({ message, resolve, reject }));
    this.waiting++;
    if (!existing) void this.drain(id, queue);
    return done;
  }

  /** Writes a session's waiting messages, a statement at a time, until none is left. */
  private async drain(id: string, queue: Queue): Promise<void> {
    while (queue.items.length > 0) {
      const batch = queue.items.splice(0, this.maxBatch);
      this.waiting -= batch.length;
      try {
        const results = await this.appendBatch(
          queue.key,
          batch.map((w) => w.message),
          queue.allowEnded,
        );
        batch.forEach((w, i) => {
          const r = results[i]!;
          if (r instanceof Error) w.reject(r);
          else w.resolve(r);
        });
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.queues.delete(id);
  }

  /**
   * Stores a batch of one session in one statement (split in halves only when PostgreSQL refuses
   * a row for its data, to quarantine just that row). Each answer is the message's result, or the
   * error of a message the session refuses (ended, not found).
   */
  async appendBatch(
    key: SessionRefKey & { workflowId?: string },
    messages: MessageToStore[],
    allowEnded = false,
  ): Promise<(SendMessageResult | BrainOpsError)[]> {
    try {
      const { rows, status } = await this.io.write(key, messages, allowEnded);
      return messages.map((m, i) => {
        const row = rows[i];
        if (!row || row.seq === null) return refusal(status);
        return { seq: row.seq, messageId: m.messageId, status: row.stored ? 'stored' : 'duplicate' };
      });
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (messages.length === 1) return [await this.quarantine(key, messages[0]!, reasonOf(error))];
      const half = Math.ceil(messages.length / 2);
      return [
        ...(await this.appendBatch(key, messages.slice(0, half), allowEnded)),
        ...(await this.appendBatch(key, messages.slice(half), allowEnded)),
      ];
    }
  }

  /** Quarantines a message PostgreSQL refused: it gets no seq (0), a dead letter and an error event. */
  private async quarantine(
    key: SessionRefKey & { workflowId?: string },
    message: MessageToStore,
    reason: string,
  ): Promise<SendMessageResult> {
    await recordDeadLetters(this.io, key, [
      {
        quarantineKey: `message:${message.messageId}`,
        messageId: message.messageId,
        payload: boundedPreview(message, 4096),
        reason,
        source: 'database',
      },
    ]);
    return { seq: 0, messageId: message.messageId, status: 'quarantined', reason };
  }
}
