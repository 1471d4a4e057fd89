/**
 * zod schemas of the memory store's tenant-facing methods besides entries (sessions, tasks,
 * errors, work history, stats). They check ids, bounds and shapes; texts the session workflow has
 * already judged (message contents) are checked by the database write, which quarantines what it
 * refuses instead of failing the batch.
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { LIMITS, jsonObject, text } from './limits';
import { MESSAGE_ROLES } from './session';

const limit = (max: number) => z.number().int().min(1).max(max).optional();
const isoTime = z.string().datetime({ offset: true });
const taskStatus = z.enum(['open', 'done', 'cancelled']);
const taskPriority = z.enum(['critical', 'high', 'medium', 'low']);

/** The key of a session: its tenant and session id. */
export const sessionKeySchema = z.object({ tenantId: ownerId, sessionId: ownerId });

/** Input of `MemoryStore.openSession`. */
export const openSessionInputSchema = sessionKeySchema.extend({
  userId: ownerId.optional(),
  agentId: ownerId.optional(),
  title: text(500).optional(),
  metadata: jsonObject(LIMITS.metadataBytes).optional(),
  workflowId: text(1000, 1),
  chainId: text(200, 1).optional(),
});

/** A message as the session workflow hands it to `appendMessages` (seq from 1). */
export const storedMessageSchema = z.object({
  seq: z.number().int().min(1),
  role: z.enum(MESSAGE_ROLES),
  content: z.string(),
  agentId: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  messageId: z.string().optional(),
  truncated: z.boolean().optional(),
  createdAt: isoTime,
});

/** Input of `MemoryStore.appendMessages`. */
export const appendMessagesInputSchema = sessionKeySchema.extend({
  messages: z.array(storedMessageSchema).max(10_000),
});

/** Input of `MemoryStore.quarantineMessages`. */
export const quarantineMessagesInputSchema = sessionKeySchema.extend({
  items: z
    .array(
      z.object({
        quarantineKey: z.string().min(1),
        seq: z.number().int().optional(),
        messageId: z.string().optional(),
        payload: z.string(),
        reason: z.string(),
        source: z.enum(['validation', 'database']),
      }),
    )
    .max(10_000),
});

/** Input of `MemoryStore.listMessages`. */
export const listMessagesInputSchema = sessionKeySchema.extend({
  afterSeq: z.number().int().min(0).optional(),
  limit: limit(10_000),
  newest: z.boolean().optional(),
});

/** A task as the session workflow stores it. */
export const storedTaskSchema = z.object({
  taskId: text(200, 1),
  title: z.string(),
  description: z.string().optional(),
  status: taskStatus,
  priority: taskPriority,
  assignedTo: z.string().optional(),
  result: z.unknown().optional(),
  createdAt: isoTime,
  completedAt: isoTime.optional(),
});

/** Input of `MemoryStore.upsertTask`. */
export const upsertTaskInputSchema = sessionKeySchema.extend({ task: storedTaskSchema });

/** Input of `MemoryStore.listTasks`: one session's tasks, or a tenant's. */
export const listTasksInputSchema = z.object({
  tenantId: ownerId,
  sessionId: ownerId.optional(),
  status: taskStatus.optional(),
  limit: limit(1000),
});

/** Input of `MemoryStore.recordHandoff`. */
export const recordHandoffInputSchema = sessionKeySchema.extend({
  handoff: z.object({
    handoffId: text(200, 1),
    fromAgent: z.string().optional(),
    toAgent: z.string().min(1),
    reason: z.string(),
    criticalInfo: z.record(z.string(), z.unknown()),
    continuationInstructions: z.string().optional(),
    contextSnapshot: z.unknown(),
    createdAt: isoTime,
  }),
});

/** Input of `MemoryStore.saveSnapshot` and `endSession`. */
export const sessionSnapshotInputSchema = sessionKeySchema.extend({ snapshot: z.unknown() });

/** Input of `MemoryStore.listSessions`. */
export const listSessionsInputSchema = z.object({
  tenantId: ownerId,
  status: z.enum(['active', 'ended']).optional(),
  limit: limit(1000),
});

/**
 * Whose rows an operator-or-tenant list returns: `tenantId`'s only (under row-level security);
 * without it, rows of no tenant (system work); every tenant's only with the operator's explicit
 * `allTenants: true`.
 */
const tenantView = {
  tenantId: ownerId.optional(),
  /** Operator only: every tenant's rows. Not allowed together with `tenantId`. @defaultValue false */
  allTenants: z.boolean().default(false),
};

function oneView(value: { tenantId?: string; allTenants: boolean }, ctx: z.RefinementCtx): void {
  if (value.tenantId !== undefined && value.allTenants)
    ctx.addIssue({ code: 'custom', path: ['allTenants'], message: 'not allowed together with tenantId' });
}

/** Input of `MemoryStore.listErrorEvents`. */
export const listErrorEventsInputSchema = z
  .object({
    status: z.enum(['open', 'resolved', 'ignored', 'escalated']).optional(),
    limit: limit(10_000),
    since: z.coerce.date().optional(),
    id: z.number().int().positive().optional(),
    signature: text(2000, 1).optional(),
    ...tenantView,
  })
  .superRefine(oneView);
export type ListErrorEventsInput = z.input<typeof listErrorEventsInputSchema>;

/** Input of `MemoryStore.listWorkHistory`. */
export const listWorkHistoryInputSchema = z
  .object({
    agentId: text(200, 1).optional(),
    workflowId: text(1000, 1).optional(),
    limit: limit(10_000),
    ...tenantView,
  })
  .superRefine(oneView);
export type ListWorkHistoryInput = z.input<typeof listWorkHistoryInputSchema>;

/** Input of `MemoryStore.stats`: one tenant's counts, or (without) the operator's totals. */
export const statsInputSchema = z.object({ tenantId: ownerId.optional() });
