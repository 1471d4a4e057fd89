/**
 * Shapes of the knowledge base: a solution names a registered remediation for a problem
 * signature and keeps its record; error-learning learns them, an operator teaches them.
 */

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
