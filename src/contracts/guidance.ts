/**
 * Contextual guidance: before an operation, what memory recommends, with a confidence and the
 * evidence it rests on. Every call is a decision-log row; the operation's outcome is linked to it
 * later by its id.
 */
import { z } from 'zod';
import { jsonObject, text } from './limits';

export const guidanceInputSchema = z
  .object({
    task: text(1000, 1),
    context: jsonObject().default({}),
    tenantId: text(200, 1).optional(),
    /** Who asks (the decision log's agent). @defaultValue WorkflowOrchestrator */
    requestedBy: text(100, 1).default('WorkflowOrchestrator'),
  })
  .strict();
export type GuidanceInput = z.input<typeof guidanceInputSchema>;

/** One piece of evidence, by its id in memory. */
export interface GuidanceEvidence {
  /** `memory:<id>`, `message:<session>#<seq>`, `solution:<id>`, `procedure:<name>@<v>`, `work:<id>`, `deployment:<id>`, `error:<id>`, `task:<workflow id>`, `insight:<key>`. */
  id: string;
  kind: 'memory' | 'message' | 'solution' | 'procedure' | 'work' | 'deployment' | 'error' | 'task' | 'insight';
  title: string;
  /** Relevance to the task, 0..1. */
  relevance: number;
  /** Success rate of what it records, when it has a track record. */
  successRate?: number;
  successes?: number;
  failures?: number;
}

/** A course of action memory supports. */
export interface Recommendation {
  kind: 'solution' | 'procedure' | 'past-task' | 'investigate';
  /** What to do, in a line. */
  summary: string;
  /** The action (remediation), procedure name or past task it names. */
  ref?: string;
  score: number;
  reasons: string[];
  evidence: string[];
}

export interface Guidance {
  /** The decision-log row of this guidance: pass it to `outcome` when the operation has ended. */
  decisionId: number;
  task: string;
  primary: Recommendation;
  alternatives: Recommendation[];
  /** 0..1 */
  confidence: number;
  reasons: string[];
  evidence: GuidanceEvidence[];
}

export const guidanceOutcomeSchema = z
  .object({
    decisionId: z.number().int().positive(),
    success: z.boolean(),
    detail: jsonObject().default({}),
  })
  .strict();
export type GuidanceOutcome = z.input<typeof guidanceOutcomeSchema>;
