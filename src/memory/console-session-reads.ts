/**
 * SQL of the console's session pages: sessions newest activity first (keyset pages), and one
 * session as a timeline of its messages, tasks, handoffs, dead letters and its start and end. Meant
 * to run under the tenant's row-level security (`store.console`) for a tenant's view; the operator's
 * view reads every tenant on the operator's pool.
 */
import type { Queryable } from './connections';

/** A row of the sessions list. */
export interface SessionListRow {
  tenantId: string;
  sessionId: string;
  userId: string | null;
  agentId: string | null;
  title: string | null;
  status: 'active' | 'ended';
  workflowId: string;
  messageCount: number;
  startedAt: Date;
  lastActivityAt: Date;
  endedAt: Date | null;
}

const COLUMNS = `tenant_id as "tenantId", session_id as "sessionId", user_id as "userId", agent_id as "agentId",
  title, status, workflow_id as "workflowId", message_count::int as "messageCount", started_at as "startedAt",
  last_activity_at as "lastActivityAt", ended_at as "endedAt"`;

/** Where a page of sessions continues: after this one in (last activity desc, tenant, session) order. */
export interface SessionCursor {
  lastActivityAt: Date;
  tenantId: string;
  sessionId: string;
}

/** A page of sessions (a tenant's, or every tenant's with `tenantId` null), most recently active first. */
export async function browseSessions(
  db: Queryable,
  opts: { tenantId: string | null; status?: 'active' | 'ended'; after?: SessionCursor; limit: number },
): Promise<{ rows: SessionListRow[]; more: boolean }> {
  const a = opts.after;
  const result = await db.query<SessionListRow>(
    `select ${COLUMNS} from sessions
     where ($1::text is null or tenant_id = $1) and ($2::text is null or status = $2)
       and ($3::timestamptz is null or (last_activity_at, tenant_id, session_id) < ($3, $4, $5))
     order by last_activity_at desc, tenant_id desc, session_id desc limit $6`,
    [
      opts.tenantId,
      opts.status ?? null,
      a?.lastActivityAt ?? null,
      a?.tenantId ?? null,
      a?.sessionId ?? null,
      opts.limit + 1,
    ],
  );
  return { rows: result.rows.slice(0, opts.limit), more: result.rows.length > opts.limit };
}

/** One session and its last context snapshot; null when the viewer cannot see it. */
export async function sessionById(
  db: Queryable,
  tenantId: string,
  sessionId: string,
): Promise<(SessionListRow & { contextSnapshot: unknown; metadata: unknown }) | null> {
  const result = await db.query(
    `select ${COLUMNS}, context_snapshot as "contextSnapshot", metadata from sessions where tenant_id = $1 and session_id = $2`,
    [tenantId, sessionId],
  );
  return (result.rows[0] as never) ?? null;
}

/** One moment of a session: a message, a task created or completed, a handoff, a dead letter. */
export interface TimelineItem {
  kind: 'message' | 'task' | 'task-done' | 'handoff' | 'quarantined';
  at: Date;
  /** The message's seq; null for the other kinds. */
  seq: number | null;
  /** Role, task status, "from → to", or the dead letter's source. */
  label: string;
  /** The message, task title, handoff reason or quarantine reason. */
  text: string;
  /** More: task priority and result, handoff critical info and instructions, the quarantined payload. */
  detail: unknown;
}

/**
 * The session's last `limit` moments before `before` (all of them when absent), oldest first. Each
 * part reads through its primary key or session index, at most `limit` rows.
 */
export async function sessionTimeline(
  db: Queryable,
  opts: { tenantId: string; sessionId: string; before?: Date; limit: number },
): Promise<TimelineItem[]> {
  const result = await db.query<TimelineItem>(
    `select * from (
       (select 'message' as kind, created_at as at, seq::float8 as seq, role || coalesce(' · ' || agent_id, '') as label,
          content as text, metadata as detail
        from session_messages where tenant_id = $1 and session_id = $2 and ($3::timestamptz is null or created_at < $3)
        order by seq desc limit $4)
       union all
       (select 'task', created_at, null, status, title,
          jsonb_build_object('taskId', task_id, 'priority', priority, 'assignedTo', assigned_to, 'description', description)
        from session_tasks where tenant_id = $1 and session_id = $2 and ($3::timestamptz is null or created_at < $3)
        order by created_at desc limit $4)
       union all
       (select 'task-done', completed_at, null, status, title, jsonb_build_object('taskId', task_id, 'result', result)
        from session_tasks where tenant_id = $1 and session_id = $2 and completed_at is not null
          and ($3::timestamptz is null or completed_at < $3)
        order by completed_at desc limit $4)
       union all
       (select 'handoff', created_at, null, coalesce(from_agent, '?') || ' → ' || to_agent, reason,
          jsonb_build_object('criticalInfo', critical_info, 'instructions', continuation_instructions)
        from handoffs where tenant_id = $1 and session_id = $2 and ($3::timestamptz is null or created_at < $3)
        order by created_at desc limit $4)
       union all
       (select 'quarantined', quarantined_at, seq::float8, source, reason, to_jsonb(left(payload, 2000))
        from quarantined_messages where tenant_id = $1 and session_id = $2
          and ($3::timestamptz is null or quarantined_at < $3)
        order by quarantined_at desc limit $4)
     ) t order by at desc, seq desc nulls last limit $4`,
    [opts.tenantId, opts.sessionId, opts.before ?? null, opts.limit],
  );
  return result.rows.reverse();
}
