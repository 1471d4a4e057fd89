/**
 * Shapes of work history and error-event lists, as an edge (the CLI, the API) parses them before
 * the memory store reads: limits, and whose rows a list may hold.
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { text } from './limits';

const limit = (max: number) => z.number().int().min(1).max(max).optional();

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

/** A list of error events: by status, time, id or signature, and whose (see `tenantView`). */
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

/** A list of work history: by agent or workflow, and whose (see `tenantView`). */
export const listWorkHistoryInputSchema = z
  .object({
    agentId: text(200, 1).optional(),
    workflowId: text(1000, 1).optional(),
    limit: limit(10_000),
    ...tenantView,
  })
  .superRefine(oneView);
export type ListWorkHistoryInput = z.input<typeof listWorkHistoryInputSchema>;
