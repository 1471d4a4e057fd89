/**
 * `procedureWorkflow`'s input, status, and its messages: the `status` query, the `approve` update
 * (releases a blocked operation or an approval step) and the `skipStep` update (a step skipped
 * with who approved it and why). Declared once, for the workflow, the client and the CLI.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { jsonObject, text } from './limits';
import type { Enforcement, ProcedureDefinition, ProcedureStep } from './procedure';

export const PROCEDURE_WORKFLOW_TYPE = 'procedureWorkflow';
/** `procedure/<name>/v<version>/<run id>`. */
export function procedureWorkflowId(name: string, version: number, runId: string): string {
  return `procedure/${name}/v${version}/${runId}`;
}

export const procedureRunInputSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** The version to run. @defaultValue the newest */
    version: z.number().int().min(1).optional(),
    params: jsonObject().default({}),
    /** The guidance decision this run follows (from `guidance`): the operation is guided. */
    guidanceDecisionId: z.number().int().positive().optional(),
    /** Who started it, for the record. */
    startedBy: text(200, 1).default('cli'),
  })
  .strict();
export type ProcedureRunInput = z.input<typeof procedureRunInputSchema>;

/** Input of `procedureWorkflow`. The definition is resolved (and validated) by whoever starts it. */
export interface ProcedureWorkflowInput {
  definition: ProcedureDefinition;
  params: Record<string, unknown>;
  guidanceDecisionId?: number;
  startedBy: string;
  /** The agent the run is for (search attribute `BrainOpsAgent`). @defaultValue WorkflowOrchestrator */
  agent?: string;
}

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'waiting-approval' | 'blocked';

export interface ProcedureStepView {
  id: string;
  kind: ProcedureStep['kind'];
  title?: string;
  status: StepStatus;
  approvedBy?: string;
  reason?: string;
  result?: unknown;
  error?: string;
}

export interface ProcedureStatus {
  procedure: string;
  version: number;
  enforcement: Enforcement;
  state: 'running' | 'blocked' | 'waiting-approval' | 'succeeded' | 'failed';
  currentStep: string | null;
  /** Set once memory was consulted: the decision id of the guidance followed. */
  guidanceDecisionId: number | null;
  /** Why the run waits (blocked by enforcement, or an approval step's prompt). */
  waitingFor: string | null;
  warnings: string[];
  steps: ProcedureStepView[];
}

export const approvalSchema = z
  .object({
    approvedBy: text(200, 1),
    reason: text(2000, 1),
  })
  .strict();
export type Approval = z.input<typeof approvalSchema>;

export const skipStepSchema = approvalSchema.extend({ stepId: z.string().min(1).max(64) }).strict();
export type SkipStep = z.input<typeof skipStepSchema>;

export const procedureStatusQuery = defineQuery<ProcedureStatus>('status');
/** Releases a run blocked by enforcement, or approves the approval step it waits at. */
export const approveUpdate = defineUpdate<ProcedureStatus, [Approval]>('approve');
/** Skips a step not yet started (recorded with its approver and reason). */
export const skipStepUpdate = defineUpdate<ProcedureStatus, [SkipStep]>('skipStep');
