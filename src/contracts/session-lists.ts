/**
 * Shapes of the reads of sessions, messages and tasks, as an edge parses them before the memory
 * store reads under the tenant's row-level security.
 */
import { z } from 'zod';
import { ownerId } from './memory';

const limit = (max: number) => z.number().int().min(1).max(max).optional();
const taskStatus = z.enum(['open', 'done', 'cancelled']);

/** The key of a session: its tenant and session id. */
export const sessionKeySchema = z.object({ tenantId: ownerId, sessionId: ownerId });

/** A page of one session's messages, by seq. */
export const listMessagesInputSchema = sessionKeySchema.extend({
  afterSeq: z.number().int().min(0).optional(),
  limit: limit(10_000),
  newest: z.boolean().optional(),
});

export type ListMessagesInput = z.output<typeof listMessagesInputSchema>;

/** One session's tasks, or a tenant's. */
export const listTasksInputSchema = z.object({
  tenantId: ownerId,
  sessionId: ownerId.optional(),
  status: taskStatus.optional(),
  limit: limit(1000),
});

export type ListTasksInput = z.output<typeof listTasksInputSchema>;

/** A tenant's sessions, most recently active first. */
export const listSessionsInputSchema = z.object({
  tenantId: ownerId,
  status: z.enum(['active', 'ended']).optional(),
  limit: limit(1000),
});
export type ListSessionsInput = z.output<typeof listSessionsInputSchema>;
