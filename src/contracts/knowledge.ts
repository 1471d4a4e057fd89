/**
 * Shapes of the knowledge base: a solution names a registered remediation for a problem
 * signature and keeps its record; error-learning learns them, an operator teaches them, and
 * anyone asks "what fixed this before?".
 */
import { z } from 'zod';
import { LIMITS, jsonObject, text } from './limits';

/** A solution in the knowledge base, camelCased. */
export interface Solution {
  id: number;
  problemSignature: string;
  description: string;
  action: string;
  params: Record<string, unknown>;
  successCount: number;
  failureCount: number;
  usageCount: number;
  successRate: number | null;
  lastUsedAt: Date | null;
  source: 'human' | 'learned';
  /** The normalised message the solution was learned from or taught for (full-text matching). */
  exampleMessage: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

/** A solution as it is taught or learned (the record starts at `successCount`, default 0). */
export interface SolutionInput {
  problemSignature: string;
  description: string;
  action: string;
  params: Record<string, unknown>;
  source: Solution['source'];
  successCount?: number;
  /** The normalised message the solution is for (full-text matching of similar errors). */
  exampleMessage?: string;
}

/** A solution as an operator teaches it: the signature, what it does, a registered action and its params. */
export const addSolutionSchema = z.object({
  problemSignature: text(2000, 1),
  description: text(5000, 1),
  action: text(200, 1),
  params: jsonObject(LIMITS.metadataBytes).default({}),
  /** An error message the fix is for: similar messages find it by full-text (normalised before storing). */
  exampleMessage: text(10_000, 1).optional(),
});
export type AddSolutionInput = z.input<typeof addSolutionSchema>;

/** "What fixed this before?": an error's type and message, as an error report takes them. */
export const solutionLookupSchema = z.object({
  message: text(10_000, 1),
  errorType: text(200, 1).default('Error'),
  stack: text(50_000).optional(),
  limit: z.number().int().min(1).max(50).default(5),
});
export type SolutionLookupInput = z.input<typeof solutionLookupSchema>;
