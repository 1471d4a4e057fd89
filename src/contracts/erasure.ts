/**
 * Erasure of a data subject: a user of a tenant, or a whole tenant. The erasure workflow deletes
 * the subject's rows table by table, in batches, and ends with a receipt (counts per table, who
 * asked, when) that holds none of the erased data. Which rows are a user's: see docs/forgetting.md.
 */
import { z } from 'zod';
import { ownerId } from './memory';

/**
 * The tables an erasure clears, in the order it clears them: rows that are found through another
 * table's rows (versions and embeddings through their entries, messages through their session)
 * go before the rows they are found through, so a resumed erasure still finds them. The workflow
 * runs through this list: a change of it changes the commands of running erasures (use `patched`).
 */
export const ERASURE_TABLES = Object.freeze([
  'entry_embeddings',
  'memory_entry_versions',
  'memory_layer_changes',
  'memory_entries',
  'memory_archive',
  'message_embeddings',
  'session_messages',
  'session_tasks',
  'handoffs',
  'quarantined_messages',
  'work_history',
  'error_events',
  'sessions',
  'api_access_log',
  'endpoint_performance',
] as const);

/**
 * The patch that added `endpoint_performance` to {@link ERASURE_TABLES}: erasures that started
 * before it (their history has no marker) do not clear it.
 */
export const ERASURE_ENDPOINT_PERFORMANCE_PATCH = 'erasure-endpoint-performance';
export type ErasureTable = (typeof ERASURE_TABLES)[number];

/** Who asked for an erasure: an API key (its id; prefix and name are looked up) or the operator by name. */
export interface ErasureRequester {
  keyId?: string;
  name: string;
}

/** What an erasure erases: a user of a tenant (`userId`), or the whole tenant (without). */
export const erasureSubjectSchema = z.object({ tenantId: ownerId, userId: ownerId.optional() });
export type ErasureSubject = z.output<typeof erasureSubjectSchema>;

/**
 * The erasure workflow's input: only the receipt's id — whom to erase is read from the receipt, so
 * no user id is kept in workflow histories or in the work history of its activities.
 */
export interface ErasureInput {
  erasureId: string;
  /** Rows one activity deletes at most. @defaultValue 500 */
  batchSize?: number;
}

/** One batch: delete at most `limit` rows of the erasure's subject from `table`, counted on its receipt. */
export interface ErasureBatch {
  erasureId: string;
  table: ErasureTable;
  limit: number;
}

/** The receipt of an erasure: no erased data, only who, whom, when and how many rows. */
export interface ErasureReceipt {
  erasureId: string;
  tenantId: string;
  subject: 'user' | 'tenant';
  userId: string | null;
  requestedBy: { keyId: string | null; prefix: string | null; name: string | null };
  status: 'running' | 'finished';
  /** Rows deleted per table. */
  counts: Partial<Record<ErasureTable, number>>;
  startedAt: Date;
  finishedAt: Date | null;
}

/**
 * What the erasure workflow returns: the receipt less whom and who asked, since a workflow's
 * result (and its activities' results) stay in Temporal's history and in work history.
 */
export type ErasureOutcome = Omit<ErasureReceipt, 'userId' | 'requestedBy'>;

/** The workflow id of an erasure. */
export function erasureWorkflowId(erasureId: string): string {
  return `erasure/${erasureId}`;
}
