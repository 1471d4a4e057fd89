/**
 * SQL of erasure: a data subject's rows deleted table by table in bounded batches, each batch
 * counted on the erasure's receipt in the same statement (so the counts are exact whatever is
 * retried), and the receipts. Operator work (the tables' owner, every tenant); a tenant reads its
 * own receipts under row-level security.
 *
 * Which rows are a user's (tenant T, user U): memory entries and archived entries of T whose
 * `user_id` is U or whose session is one of U's; their versions, embeddings and layer history;
 * U's sessions (`sessions.user_id` = U) with everything of them — messages and their embeddings,
 * tasks, handoffs, quarantined messages, work history of those sessions — and error events of T
 * raised in those sessions' workflows or naming U (or one of those sessions) in their context.
 * A whole tenant is every row whose `tenant_id` is T, and the versions, embeddings and layer
 * history of its entries, and its access log.
 */
import type {
  ErasureBatch,
  ErasureReceipt,
  ErasureRequester,
  ErasureSubject,
  ErasureTable,
} from '../contracts/erasure';
import type { Connections, Queryable } from './connections';

/** `$1` is the tenant, `$2` the user (null for a whole tenant). */
const USER_SESSIONS = `(select session_id from sessions where tenant_id = $1 and user_id = $2)`;

function entryCondition(userId: string | undefined): string {
  return userId === undefined
    ? 'tenant_id = $1'
    : `tenant_id = $1 and (user_id = $2 or session_id in ${USER_SESSIONS})`;
}

function entryIds(userId: string | undefined): string {
  const where = entryCondition(userId);
  return `(select id from memory_entries where ${where} union all select id from memory_archive where ${where})`;
}

/** The rows of the subject in `table`, as a WHERE condition over `$1` (tenant) and `$2` (user). */
function subjectCondition(table: ErasureTable, userId: string | undefined): string {
  const inSessions = userId === undefined ? 'tenant_id = $1' : `tenant_id = $1 and session_id in ${USER_SESSIONS}`;
  switch (table) {
    case 'entry_embeddings':
      return `entry_id in (select id from memory_entries where ${entryCondition(userId)})`;
    case 'memory_entry_versions':
      return userId === undefined ? 'tenant_id = $1' : `tenant_id = $1 and entry_id in ${entryIds(userId)}`;
    case 'memory_layer_changes':
      return `entry_id in ${entryIds(userId)}`;
    case 'memory_entries':
    case 'memory_archive':
      return entryCondition(userId);
    case 'message_embeddings':
    case 'session_messages':
    case 'session_tasks':
    case 'handoffs':
    case 'quarantined_messages':
    case 'work_history':
      return inSessions;
    case 'error_events':
      return userId === undefined
        ? 'tenant_id = $1'
        : `tenant_id = $1 and (workflow_id in (select workflow_id from sessions where tenant_id = $1 and user_id = $2)
             or context->>'userId' = $2 or context->>'user_id' = $2
             or context->>'sessionId' in ${USER_SESSIONS} or context->>'session_id' in ${USER_SESSIONS})`;
    case 'sessions':
      return userId === undefined ? 'tenant_id = $1' : 'tenant_id = $1 and user_id = $2';
    case 'api_access_log':
    case 'endpoint_performance':
      // The access log records keys and endpoint performance sums requests, not users: only a whole tenant's goes.
      return userId === undefined ? 'tenant_id = $1' : 'false';
  }
}

/**
 * Deletes at most `limit` of the subject's rows from `table` and adds how many to the receipt's
 * count of that table, in one statement. Returns how many went: 0 when none is left.
 */
export async function eraseBatch(db: Queryable, batch: ErasureBatch & ErasureSubject): Promise<number> {
  const { table } = batch;
  const result = await db.query<{ deleted: number }>(
    `with gone as (
       delete from ${table} where ctid = any(array(
         select ctid from ${table} where ${subjectCondition(table, batch.userId)} limit $3))
       returning 1),
     counted as (
       update erasure_receipts
       set counts = jsonb_set(counts, array[$4::text],
         to_jsonb(coalesce((counts->>$4::text)::bigint, 0) + (select count(*) from gone)))
       where erasure_id = $5)
     select (select count(*) from gone)::int as deleted, $1::text as "tenantId", $2::text as "userId"`,
    [batch.tenantId, batch.userId ?? null, batch.limit, table, batch.erasureId],
  );
  return result.rows[0]!.deleted;
}

const RECEIPT_COLUMNS = `erasure_id as "erasureId", tenant_id as "tenantId", subject, user_id as "userId",
  requested_by as "requestedBy", status, counts, started_at as "startedAt", finished_at as "finishedAt"`;

/**
 * Opens the receipt of an erasure (status `running`): who asked — a key's id, prefix and name, or
 * the operator's name — and whom. A repeat with the same id changes nothing.
 */
export async function beginReceipt(
  db: Queryable,
  input: ErasureSubject & { erasureId: string; requestedBy: ErasureRequester },
): Promise<void> {
  await db.query(
    `insert into erasure_receipts (erasure_id, tenant_id, subject, user_id, requested_by)
     values ($1, $2, $3, $4, jsonb_build_object(
       'keyId', $5::text,
       'prefix', (select prefix from api_keys where id = $5::text),
       'name', coalesce((select name from api_keys where id = $5::text), $6::text)))
     on conflict (erasure_id) do nothing`,
    [
      input.erasureId,
      input.tenantId,
      input.userId === undefined ? 'tenant' : 'user',
      input.userId ?? null,
      input.requestedBy.keyId ?? null,
      input.requestedBy.name,
    ],
  );
}

/** Removes a receipt whose erasure never started (its workflow could not be started). */
export async function dropReceipt(db: Queryable, erasureId: string): Promise<void> {
  await db.query(`delete from erasure_receipts where erasure_id = $1 and status = 'running'`, [erasureId]);
}

/** Closes the receipt (status `finished`, `finished_at` now) once, and returns it. */
export async function finishReceipt(db: Queryable, erasureId: string): Promise<ErasureReceipt> {
  await db.query(
    `update erasure_receipts set status = 'finished', finished_at = now() where erasure_id = $1 and status = 'running'`,
    [erasureId],
  );
  const receipt = await readReceipt(db, erasureId);
  if (!receipt) throw new Error(`erasure ${erasureId} has no receipt`);
  return receipt;
}

/** The receipt of an erasure, or null (also when row-level security hides another tenant's). */
export async function readReceipt(db: Queryable, erasureId: string): Promise<ErasureReceipt | null> {
  const result = await db.query<ErasureReceipt>(
    `select ${RECEIPT_COLUMNS} from erasure_receipts where erasure_id = $1`,
    [erasureId],
  );
  return result.rows[0] ?? null;
}

/** Erasure's SQL over the store's connections: batches and receipt writes are operator work. */
export function erasureRepository(db: Connections) {
  return {
    /**
     * One batch of the erasure's subject (read from its receipt).
     * @throws Error when the erasure has no receipt.
     */
    eraseBatch: async (batch: ErasureBatch) => {
      const receipt = await readReceipt(db.operator, batch.erasureId);
      if (!receipt) throw new Error(`erasure ${batch.erasureId} has no receipt`);
      const subject = { tenantId: receipt.tenantId, ...(receipt.userId ? { userId: receipt.userId } : {}) };
      return eraseBatch(db.operator, { ...batch, ...subject });
    },
    beginReceipt: (input: Parameters<typeof beginReceipt>[1]) => beginReceipt(db.operator, input),
    dropReceipt: (erasureId: string) => dropReceipt(db.operator, erasureId),
    finishReceipt: (erasureId: string) => finishReceipt(db.operator, erasureId),
    /** A receipt as `tenantId` sees it (its own only); without a tenant, the operator's view. */
    receipt: (erasureId: string, tenantId?: string) => db.run(tenantId, (q) => readReceipt(q, erasureId)),
  };
}
