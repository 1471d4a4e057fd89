/**
 * `orchestrateWorkflow` (WorkflowOrchestrator): a goal with constraints, a plan of steps with
 * dependencies (a DAG) each given to an agent by its record, and the `status` query.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { jsonObject, text } from './limits';
import { procedureStepSchema, type ProcedureStep } from './procedure';

export const ORCHESTRATE_WORKFLOW_TYPE = 'orchestrateWorkflow';

const planStepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected 1-64 lower-case letters, digits, "_" or "-"'),
    /** The capability (work history's action) the agents are judged by. */
    capability: text(200, 1),
    /** Agents that can do it; the one with the best record gets it. */
    agents: z.array(text(100, 1)).min(1).max(20),
    dependsOn: z.array(z.string().min(1).max(64)).max(50).default([]),
    /** What the step does: a step of a registered kind, or a procedure by name. */
    step: procedureStepSchema.optional(),
    procedure: z.string().min(1).max(64).optional(),
    params: jsonObject().default({}),
  })
  .strict()
  .refine((s) => (s.step === undefined) !== (s.procedure === undefined), {
    message: 'give exactly one of step or procedure',
    path: ['step'],
  });
export type PlanStep = z.output<typeof planStepSchema>;

export const orchestrateInputSchema = z
  .object({
    goal: text(1000, 1),
    tenantId: text(200, 1).optional(),
    constraints: z
      .object({
        /** ISO-8601: steps not finished by then fail the run. */
        deadline: z.iso.datetime({ offset: true }).optional(),
        testsRequired: z.boolean().default(false),
        rollbackPlan: text(2000).optional(),
      })
      .strict()
      .default({ testsRequired: false }),
    /** An explicit plan; without one, a procedure guidance recommends or a plan from registered capabilities. */
    plan: z.array(planStepSchema).max(50).optional(),
    /** Runs this procedure (after guidance). */
    procedure: z.string().min(1).max(64).optional(),
    params: jsonObject().default({}),
  })
  .strict()
  .superRefine((input, ctx) => {
    const ids = new Set(input.plan?.map((s) => s.id));
    input.plan?.forEach((s, i) => {
      s.dependsOn.forEach((d, j) => {
        if (!ids.has(d)) ctx.addIssue({ code: 'custom', path: ['plan', i, 'dependsOn', j], message: `no step "${d}"` });
      });
    });
    if (input.plan && dependencyCycle(input.plan))
      ctx.addIssue({ code: 'custom', path: ['plan'], message: 'the steps depend on each other in a cycle' });
  });
export type OrchestrateInput = z.input<typeof orchestrateInputSchema>;
export type OrchestrateParsed = z.output<typeof orchestrateInputSchema>;

function dependencyCycle(plan: { id: string; dependsOn: string[] }[]): boolean {
  const deps = new Map(plan.map((s) => [s.id, s.dependsOn]));
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const [id, d] of deps)
      if (!done.has(id) && d.every((x) => done.has(x))) {
        done.add(id);
        progress = true;
      }
  }
  return done.size < deps.size;
}

export interface OrchestratedStep {
  id: string;
  capability: string;
  agent: string | null;
  dependsOn: string[];
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  workflowId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  result?: unknown;
  error?: string;
}

export interface OrchestrationStatus {
  goal: string;
  signature: string;
  state: 'planning' | 'running' | 'succeeded' | 'failed';
  guidanceDecisionId: number | null;
  planSource: 'explicit' | 'procedure' | 'capabilities';
  steps: OrchestratedStep[];
}

export type OrchestrationResult = OrchestrationStatus;

export const orchestrationStatusQuery = defineQuery<OrchestrationStatus>('status');

/** A step the orchestrator runs: as a one-step procedure or a named procedure. */
export type StepAction = { step: ProcedureStep } | { procedure: string };
