/**
 * Sessions, session messages, session tasks and handoffs (ContextKeeper's tables). Every write is
 * keyed naturally (tenant, session, seq / task id / handoff id), so a retried activity re-applies
 * the same row instead of duplicating it. All of it is a tenant's: the repository runs every
 * statement under the session's tenant's row-level security.
 */
import type { OpenedSession, QuarantinedMessage, SessionMessage, SessionTask } from '../contracts/session';
import type { ListMessagesInput, ListSessionsInput, ListTasksInput } from '../contracts/session-lists';
import { conversationSummary } from '../domain/conversation-summary';
import type { Connections, Queryable } from './connections';
import { expireSessionEntries } from './entries';
import type { ErrorEventRepository } from './error-events';
import { SessionMessageWriter, writeMessages, type MessageToStore, type MessageWriterLimits } from './session-messages';

export type { QuarantinedMessage, SessionMessage, SessionTask };

export interface SessionKey {
  tenantId: string;
  sessionId: string;
}

const TASK_COLUMNS = `task_id as "taskId", title, description, status, priority, assigned_to as "assignedTo",
  result, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "completedAt"`;

/** Creates the session row, or reactivates it, and returns where it left off. */
export async function openSession(
  db: Queryable,
  s: SessionKey & {
    userId?: string;
    agentId?: string;
    title?: string;
    metadata?: Record<string, unknown>;
    workflowId: string;
    /**
     * The workflow chain opening it (its first run id). Opening again from the same chain — a
     * reset re-runs the first workflow task — returns the same starting point, so the messages
     * it stored the first time keep their numbers instead of being numbered again after them.
     */
    chainId?: string;
  },
): Promise<OpenedSession> {
  const opened = await db.query<{
    startedAt: Date;
    messageCount: string;
    snapshot: unknown;
    resumed: boolean;
    openedByChain: string | null;
    openedBase: Pick<OpenedSession, 'nextSeq' | 'messageCount' | 'roleCounts' | 'lastSnapshot'> | null;
  }>(
    `insert into sessions as s (tenant_id, session_id, user_id, agent_id, title, metadata, workflow_id)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id, session_id) do update set
       status = 'active', ended_at = null, last_activity_at = now(),
       user_id = coalesce(excluded.user_id, s.user_id), agent_id = coalesce(excluded.agent_id, s.agent_id),
       title = coalesce(excluded.title, s.title), metadata = s.metadata || excluded.metadata
     returning started_at as "startedAt", message_count as "messageCount",
       context_snapshot as snapshot, (xmax <> 0) as resumed,
       opened_by_chain as "openedByChain", opened_base as "openedBase"`,
    [
      s.tenantId,
      s.sessionId,
      s.userId ?? null,
      s.agentId ?? null,
      s.title ?? null,
      JSON.stringify(s.metadata ?? {}),
      s.workflowId,
    ],
  );
  const row = opened.rows[0]!;
  const tasks = await listTasks(db, { tenantId: s.tenantId, sessionId: s.sessionId, status: 'open' });
  if (s.chainId && row.openedByChain === s.chainId && row.openedBase) {
    return {
      ...row.openedBase,
      openTasks: tasks,
      startedAt: row.startedAt.toISOString(),
      resumed: row.resumed,
    };
  }
  const roles = await db.query<{ role: string; n: number; maxSeq: string }>(
    `select role, count(*)::int as n, max(seq) as "maxSeq" from session_messages
     where tenant_id = $1 and session_id = $2 group by role`,
    [s.tenantId, s.sessionId],
  );
  const base = {
    nextSeq: Math.max(0, ...roles.rows.map((r) => Number(r.maxSeq))) + 1,
    messageCount: Number(row.messageCount),
    roleCounts: Object.fromEntries(roles.rows.map((r) => [r.role, r.n])),
    lastSnapshot: row.snapshot,
  };
  if (s.chainId) {
    await db.query(
      'update sessions set opened_by_chain = $3, opened_base = $4 where tenant_id = $1 and session_id = $2',
      [s.tenantId, s.sessionId, s.chainId, JSON.stringify(base)],
    );
  }
  return { ...base, openTasks: tasks, startedAt: row.startedAt.toISOString(), resumed: row.resumed };
}

/** A session's conversation as the database has it: counts, the latest messages, last activity, status. */
export interface Conversation {
  messageCount: number;
  roleCounts: Record<string, number>;
  /** The latest messages, oldest first, content cut to 2,000 characters. */
  recentMessages: SessionMessage[];
  lastActivityAt: string;
  status: 'active' | 'ended';
}

/** The conversation fields of a context snapshot. */
export interface ConversationFigures {
  messageCount: number;
  conversationSummary: string;
  recentMessages: SessionMessage[];
}

/** The conversation fields of a context snapshot, from the conversation as stored. */
export function conversationFigures(c: Conversation | undefined): ConversationFigures {
  return {
    messageCount: c?.messageCount ?? 0,
    conversationSummary: conversationSummary(c?.messageCount ?? 0, c?.roleCounts ?? {}),
    recentMessages: c?.recentMessages ?? [],
  };
}

/**
 * The conversation of a session (for snapshots, handoffs, the end and the inactivity check),
 * or undefined when this tenant has no such session.
 */
export async function readConversation(db: Queryable, s: SessionKey, recent = 10): Promise<Conversation | undefined> {
  const session = await db.query<{ messageCount: number; lastActivityAt: Date; status: Conversation['status'] }>(
    `select message_count::int as "messageCount", last_activity_at as "lastActivityAt", status
     from sessions where tenant_id = $1 and session_id = $2`,
    [s.tenantId, s.sessionId],
  );
  const row = session.rows[0];
  if (!row) return undefined;
  const [roles, latest] = await Promise.all([
    db.query<{ role: string; n: number }>(
      `select role, count(*)::int as n from session_messages where tenant_id = $1 and session_id = $2 group by role`,
      [s.tenantId, s.sessionId],
    ),
    db.query<SessionMessage>(
      `select * from (
         select seq::int, role, left(content, 2000) as content, agent_id as "agentId", metadata,
           message_id as "messageId",
           to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
           (length(content) > 2000) as truncated
         from session_messages where tenant_id = $1 and session_id = $2 order by seq desc limit $3) m
       order by seq`,
      [s.tenantId, s.sessionId, recent],
    ),
  ]);
  return {
    messageCount: row.messageCount,
    roleCounts: Object.fromEntries(roles.rows.map((r) => [r.role, r.n])),
    recentMessages: latest.rows.map((m) => stripNulls({ ...m, truncated: m.truncated || undefined })),
    lastActivityAt: row.lastActivityAt.toISOString(),
    status: row.status,
  };
}

/** Records dead letters once each; returns how many rows were new. */
export async function quarantineMessages(db: Queryable, s: SessionKey, items: QuarantinedMessage[]): Promise<number> {
  if (items.length === 0) return 0;
  const result = await db.query(
    `insert into quarantined_messages (tenant_id, session_id, quarantine_key, seq, message_id, payload, reason, source)
     select $1, $2, q.key, q.seq, q.message_id, q.payload, q.reason, q.source
     from unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
       as q(key, seq, message_id, payload, reason, source)
     on conflict do nothing`,
    [
      s.tenantId,
      s.sessionId,
      items.map((q) => q.quarantineKey),
      items.map((q) => q.seq ?? null),
      items.map((q) => q.messageId ?? null),
      items.map((q) => q.payload),
      items.map((q) => q.reason),
      items.map((q) => q.source),
    ],
  );
  return result.rowCount ?? 0;
}

/** Dead letters of a session, oldest first. */
export async function listQuarantinedMessages(
  db: Queryable,
  s: SessionKey,
): Promise<(QuarantinedMessage & { quarantinedAt: Date })[]> {
  const result = await db.query<QuarantinedMessage & { quarantinedAt: Date; seq: number | null }>(
    `select quarantine_key as "quarantineKey", seq::int, message_id as "messageId", payload, reason, source,
       quarantined_at as "quarantinedAt"
     from quarantined_messages where tenant_id = $1 and session_id = $2 order by id`,
    [s.tenantId, s.sessionId],
  );
  return result.rows.map((row) => stripNulls(row));
}

/** Messages of a session in order; `afterSeq` pages forward. */
export async function listMessages(db: Queryable, opts: ListMessagesInput): Promise<SessionMessage[]> {
  const result = await db.query<SessionMessage>(
    `select * from (
       select seq::int, role, content, agent_id as "agentId", metadata, message_id as "messageId",
         to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"
       from session_messages where tenant_id = $1 and session_id = $2 and seq > $3
       order by seq ${opts.newest ? 'desc' : 'asc'} limit $4) m
     order by seq`,
    [opts.tenantId, opts.sessionId, opts.afterSeq ?? 0, opts.limit ?? 1000],
  );
  return result.rows;
}

/** Creates or updates a task (the same call twice leaves one row). */
export async function upsertTask(db: Queryable, s: SessionKey, task: SessionTask): Promise<void> {
  await db.query(
    `insert into session_tasks (tenant_id, session_id, task_id, title, description, status, priority,
       assigned_to, result, created_at, completed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (tenant_id, session_id, task_id) do update set
       title = excluded.title, description = excluded.description, status = excluded.status,
       priority = excluded.priority, assigned_to = excluded.assigned_to, result = excluded.result,
       completed_at = excluded.completed_at`,
    [
      s.tenantId,
      s.sessionId,
      task.taskId,
      task.title,
      task.description ?? null,
      task.status,
      task.priority,
      task.assignedTo ?? null,
      task.result === undefined ? null : JSON.stringify(task.result),
      task.createdAt,
      task.completedAt ?? null,
    ],
  );
}

/** Tasks of one session, or (without `sessionId`) the open tasks of a tenant, newest first. */
export async function listTasks(
  db: Queryable,
  { tenantId, sessionId, status, limit = 200 }: ListTasksInput,
): Promise<(SessionTask & { sessionId: string })[]> {
  const result = await db.query<SessionTask & { sessionId: string }>(
    `select session_id as "sessionId", ${TASK_COLUMNS} from session_tasks
     where tenant_id = $1 and ($2::text is null or session_id = $2) and ($3::text is null or status = $3)
     order by created_at desc limit $4`,
    [tenantId, sessionId ?? null, status ?? null, limit],
  );
  return result.rows.map((row) => stripNulls(row));
}

/** A handoff as recorded: from and to agent, reason, critical info, continuation instructions, snapshot. */
export interface HandoffRecord {
  handoffId: string;
  fromAgent?: string;
  toAgent: string;
  reason: string;
  criticalInfo: Record<string, unknown>;
  continuationInstructions?: string;
  contextSnapshot: unknown;
  createdAt: string;
}

/** Records a handoff once (retries are no-ops). */
export async function recordHandoff(db: Queryable, s: SessionKey, h: HandoffRecord): Promise<void> {
  await db.query(
    `insert into handoffs (tenant_id, session_id, handoff_id, from_agent, to_agent, reason, critical_info,
       continuation_instructions, context_snapshot, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict do nothing`,
    [
      s.tenantId,
      s.sessionId,
      h.handoffId,
      h.fromAgent ?? null,
      h.toAgent,
      h.reason,
      JSON.stringify(h.criticalInfo),
      h.continuationInstructions ?? null,
      JSON.stringify(h.contextSnapshot),
      h.createdAt,
    ],
  );
}

/** Marks the session ended and stores its final context snapshot. */
export async function endSession(db: Queryable, s: SessionKey, snapshot: unknown): Promise<void> {
  await db.query(
    `update sessions set status = 'ended', ended_at = coalesce(ended_at, now()), context_snapshot = $3,
       last_activity_at = now()
     where tenant_id = $1 and session_id = $2`,
    [s.tenantId, s.sessionId, JSON.stringify(snapshot)],
  );
}

/** Stores a context snapshot of a live session (handoffs, continue-as-new). */
export async function saveSnapshot(db: Queryable, s: SessionKey, snapshot: unknown): Promise<void> {
  await db.query(
    'update sessions set context_snapshot = $3, last_activity_at = now() where tenant_id = $1 and session_id = $2',
    [s.tenantId, s.sessionId, JSON.stringify(snapshot)],
  );
}

/** A session row, camelCased. */
export interface SessionRow {
  tenantId: string;
  sessionId: string;
  userId: string | null;
  agentId: string | null;
  title: string | null;
  status: 'active' | 'ended';
  workflowId: string;
  messageCount: number;
  contextSnapshot: unknown;
  startedAt: Date;
  lastActivityAt: Date;
  endedAt: Date | null;
}

const SESSION_COLUMNS = `tenant_id as "tenantId", session_id as "sessionId", user_id as "userId",
  agent_id as "agentId", title, status, workflow_id as "workflowId", message_count::int as "messageCount",
  context_snapshot as "contextSnapshot", started_at as "startedAt", last_activity_at as "lastActivityAt",
  ended_at as "endedAt"`;

/** Sessions of a tenant, most recently active first. */
export async function listSessions(db: Queryable, opts: ListSessionsInput): Promise<SessionRow[]> {
  const result = await db.query<SessionRow>(
    `select ${SESSION_COLUMNS} from sessions where tenant_id = $1 and ($2::text is null or status = $2)
     order by last_activity_at desc limit $3`,
    [opts.tenantId, opts.status ?? null, opts.limit ?? 50],
  );
  return result.rows;
}

function stripNulls<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)) as T;
}

/** A session's writes take its key and one record. */
type Of<T> = SessionKey & T;

/** Sessions and everything in them, each statement under the session's tenant's row-level security. */
export function sessionRepository(
  db: Connections,
  errorEvents: Pick<ErrorEventRepository, 'record'>,
  limits?: MessageWriterLimits,
) {
  const as = <T>(tenantId: string, work: (q: Queryable) => Promise<T>) => db.run(tenantId, work);
  const writer = new SessionMessageWriter(
    {
      write: (key, messages, allowEnded) => as(key.tenantId, (q) => writeMessages(q, key, messages, allowEnded)),
      quarantine: (key, items) => as(key.tenantId, (q) => quarantineMessages(q, key, db.redact(items))),
      recordError: (event) => errorEvents.record(event),
    },
    limits,
  );
  return {
    /** Creates the session row, or reactivates it; returns where it left off. */
    open: (s: Parameters<typeof openSession>[1]) => as(s.tenantId, (q) => openSession(q, s)),
    /**
     * Stores one message (redacted), group-committed with the session's concurrent messages, and
     * answers after commit: its seq (numbered by the database), its id, and `stored`, `duplicate`
     * (the id was stored: the original seq) or `quarantined` (refused by PostgreSQL; seq 0).
     * @throws BrainOpsError `NotFound` (no such session in this tenant), `SessionEnded`;
     *   OverloadedError when too many messages wait to be stored.
     */
    appendMessage: (s: Of<{ message: MessageToStore; allowEnded?: boolean }>) =>
      writer.append({ tenantId: s.tenantId, sessionId: s.sessionId }, db.redact(s.message), s.allowEnded),
    /**
     * Stores a batch of messages (redacted) in one statement, numbered by the database like
     * {@link appendMessage} (the seq a message carries is ignored; its `messageId` is its key).
     * `allowEnded`: an older workflow run stores what it accepted before its end. Each answer is
     * the message's result or the error of a message the session refuses.
     */
    addMessages: (s: Of<{ messages: MessageToStore[]; allowEnded?: boolean; workflowId?: string }>) =>
      writer.appendBatch(
        { tenantId: s.tenantId, sessionId: s.sessionId, workflowId: s.workflowId },
        db.redact(s.messages),
        s.allowEnded ?? false,
      ),
    /** The conversation of a session as stored; undefined when this tenant has none such. */
    conversation: (s: SessionKey & { recent?: number }) => as(s.tenantId, (q) => readConversation(q, s, s.recent)),
    /** Records dead letters (redacted) once each; returns how many rows were new. */
    quarantineMessages: (s: Of<{ items: QuarantinedMessage[] }>) =>
      as(s.tenantId, (q) => quarantineMessages(q, s, db.redact(s.items))),
    listQuarantinedMessages: (s: SessionKey) => as(s.tenantId, (q) => listQuarantinedMessages(q, s)),
    listMessages: (opts: ListMessagesInput) => as(opts.tenantId, (q) => listMessages(q, opts)),
    /** Creates or updates a task (redacted). */
    upsertTask: (s: Of<{ task: SessionTask }>) => as(s.tenantId, (q) => upsertTask(q, s, db.redact(s.task))),
    listTasks: (opts: ListTasksInput) => as(opts.tenantId, (q) => listTasks(q, opts)),
    /** Records a handoff (redacted) once. */
    recordHandoff: (s: Of<{ handoff: HandoffRecord }>) =>
      as(s.tenantId, (q) => recordHandoff(q, s, db.redact(s.handoff))),
    saveSnapshot: (s: Of<{ snapshot: unknown }>) => as(s.tenantId, (q) => saveSnapshot(q, s, s.snapshot)),
    list: (opts: ListSessionsInput) => as(opts.tenantId, (q) => listSessions(q, opts)),
    /** Ends a session: final snapshot stored, its `session`-layer memory expired, in one transaction. Idempotent. */
    end: (s: Of<{ snapshot: unknown }>): Promise<{ expiredEntries: number }> =>
      db.transaction(s.tenantId, async (q) => {
        await endSession(q, s, s.snapshot);
        return { expiredEntries: await expireSessionEntries(q, s.tenantId, s.sessionId) };
      }),
    /**
     * Ends a session whose messages are data: marks it ended first (from then on a message is
     * refused, and one in flight has committed), then completes `snapshot` with the conversation
     * as stored (count, summary, latest messages) and stores it; expires its `session`-layer
     * memory. One transaction; idempotent. Returns the completed snapshot.
     */
    endWithConversation: <S extends object>(
      s: Of<{ snapshot: S }>,
    ): Promise<{ expiredEntries: number; snapshot: S & ConversationFigures }> =>
      db.transaction(s.tenantId, async (q) => {
        await endSession(q, s, s.snapshot);
        const snapshot = { ...s.snapshot, ...conversationFigures(await readConversation(q, s)) };
        await q.query('update sessions set context_snapshot = $3 where tenant_id = $1 and session_id = $2', [
          s.tenantId,
          s.sessionId,
          JSON.stringify(snapshot),
        ]);
        return { expiredEntries: await expireSessionEntries(q, s.tenantId, s.sessionId), snapshot };
      }),
  };
}
export type SessionRepository = ReturnType<typeof sessionRepository>;
