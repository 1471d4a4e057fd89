/**
 * Operational procedures' activities: definitions stored and resolved (validated against what
 * this worker registers), runs and step events recorded, and the steps of the kinds that are
 * activities (remediation, health, webhook, handoff; guidance is `getGuidance`). Orchestrated
 * steps are recorded with the agent they went to, in work history too, so the agent's record
 * (and so `selectAgent`) learns from them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Client } from '@temporalio/client';
import type { BrainOpsConfig } from '../../temporal.config';
import { CAPABILITIES, type Capability } from '../agents';
import type { PlanStep } from '../contracts/orchestrator-messages';
import { BrainOpsError, ValidationError } from '../contracts/errors';
import { fillTemplate, type ProcedureDefinition } from '../contracts/procedure';
import { validateRemediation } from '../contracts/remediation';
import { handoffUpdate } from '../contracts/session-messages';
import { sessionWorkflowId } from '../contracts/names';
import { parseInput } from '../contracts/validate';
import type { StepEventRecord } from '../memory/procedures';
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';
import { computeGuidance, recordGuidanceOutcome } from '../services/guidance';
import { resolveProcedure } from '../services/procedure-definitions';
import { probeTarget } from './system-monitor';
import { createProbes } from './health-probes';
import { carryOut } from './remediate';
import {
  guidanceInputSchema,
  guidanceOutcomeSchema,
  type Guidance,
  type GuidanceInput,
  type GuidanceOutcome,
} from '../contracts/guidance';

export function createProcedureActivities(
  { store, temporal, namespace, taskQueue, memoryDatabaseUrl }: ActivityDeps,
  config: Pick<BrainOpsConfig, 'errorLearning' | 'healthTargets'>,
) {
  const client = new Client({ connection: temporal, namespace });
  const registry = config.errorLearning.remediations;
  const probes = createProbes({ databaseUrl: memoryDatabaseUrl, temporal });
  const workflowId = () => Context.current().info.workflowExecution?.workflowId ?? 'unknown';

  return {
    /** What memory recommends for a task; recorded in the decision log (once per activity). */
    async getGuidance(input: GuidanceInput): Promise<Guidance> {
      return computeGuidance(store, parseInput(guidanceInputSchema, input, 'guidance request'), activityWriteId());
    },
    /** Links the outcome of the operation a guidance decision guided. */
    async linkGuidanceOutcome(input: GuidanceOutcome): Promise<void> {
      await recordGuidanceOutcome(store, parseInput(guidanceOutcomeSchema, input, 'guidance outcome'));
    },
    /** A plan from the registered capabilities for a goal (see {@link composePlan}). */
    async composePlan(input: { goal: string; testsRequired: boolean }): Promise<PlanStep[]> {
      return composePlan(input.goal, input, CAPABILITIES);
    },
    /** Resolves a procedure for a run (the orchestrator's procedure steps). */
    async loadProcedure(input: {
      name: string;
      version?: number;
      params: Record<string, unknown>;
    }): Promise<ProcedureDefinition> {
      return resolveProcedure(store, input.name, input.version, input.params);
    },
    async openProcedureRun(input: { name: string; version: number; guidanceDecisionId?: number }): Promise<void> {
      await store.procedures.openRun({ workflowId: workflowId(), ...input });
    },
    /** The run's end, and the outcome of the guidance it followed. */
    async finishProcedureRun(input: { success: boolean; error?: string; guidanceDecisionId?: number }): Promise<void> {
      await store.procedures.finishRun({ workflowId: workflowId(), ...input });
      if (input.guidanceDecisionId !== undefined)
        await store.decisions.recordOutcome({
          decisionId: input.guidanceDecisionId,
          success: input.success,
          detail: { workflowId: workflowId(), ...(input.error ? { error: input.error } : {}) },
        });
    },
    async recordProcedureStep(input: Omit<StepEventRecord, 'workflowId'>): Promise<void> {
      await store.procedures.recordStepEvent({ workflowId: workflowId(), ...input });
    },
    /** A `remediation` step: a registered action; a failed action fails the attempt (retried by the step's policy). */
    async runRemediationStep(input: { action: string; params: Record<string, unknown> }): Promise<string> {
      const params = validateRemediation(registry, input.action, input.params);
      const declared = registry[input.action]!;
      if (declared.kind === 'sequence')
        throw new BrainOpsError(
          'RemediationIsSequence',
          `"${input.action}" is a sequence: name its steps in the procedure instead`,
          false,
        );
      const result = await carryOut(declared, params, { client, taskQueue });
      if (!result.ok)
        throw ApplicationFailure.retryable(`${input.action} failed: ${result.detail}`, 'RemediationFailed');
      return result.detail;
    },
    /** A `health` step: the configured target by name must be up. */
    async checkHealthStep(input: { target: string }): Promise<string> {
      const target = config.healthTargets.find((t) => t.name === input.target);
      if (!target)
        throw new ValidationError('health step', [
          { field: 'target', message: `"${input.target}" is not a configured health target` },
        ]);
      const result = await probeTarget(probes, target);
      if (result.status !== 'up')
        throw ApplicationFailure.retryable(
          `${input.target} is ${result.status}: ${result.error ?? ''}`,
          'HealthCheckFailed',
        );
      return `${input.target} up in ${result.latencyMs} ms`;
    },
    /** A `webhook` step: a non-2xx answer fails the attempt. */
    async webhookStep(input: {
      url: string;
      method: 'POST' | 'PUT' | 'GET';
      body?: unknown;
      timeoutMs: number;
    }): Promise<string> {
      const response = await fetch(input.url, {
        method: input.method,
        headers: { 'content-type': 'application/json' },
        body: input.method === 'GET' ? undefined : JSON.stringify(input.body ?? {}),
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok)
        throw ApplicationFailure.retryable(`HTTP ${response.status} from ${input.url}`, 'WebhookFailed');
      return `HTTP ${response.status}`;
    },
    /** A `handoff` step: the session's handoff update. */
    async handoffStep(input: {
      tenantId: string;
      sessionId: string;
      toAgent: string;
      reason: string;
    }): Promise<string> {
      const result = await client.workflow
        .getHandle(sessionWorkflowId(input.tenantId, input.sessionId))
        .executeUpdate(handoffUpdate, { args: [{ toAgent: input.toAgent, reason: input.reason, criticalInfo: {} }] });
      return `handed to ${input.toAgent} (handoff ${(result as { handoffId?: string }).handoffId ?? 'recorded'})`;
    },
    /** An orchestrated step starts or ends, with the agent it was given to (work history too, when it ends). */
    async recordOrchestrationStep(input: {
      stepId: string;
      capability: string;
      agentId: string;
      status: 'running' | 'succeeded' | 'failed';
      detail?: unknown;
    }): Promise<{ startedAt: string; finishedAt: string | null }> {
      const info = Context.current().info;
      const row = await store.procedures.recordOrchestrationStep({ workflowId: workflowId(), ...input });
      if (input.status !== 'running') {
        const finishedAt = row.finishedAt ?? new Date();
        await store.workHistory.record({
          agentId: input.agentId,
          action: input.capability,
          input: { stepId: input.stepId },
          output: input.detail ?? null,
          success: input.status === 'succeeded',
          error:
            input.status === 'failed'
              ? String((input.detail as { error?: string } | undefined)?.error ?? 'failed')
              : undefined,
          durationMs: Math.max(0, finishedAt.getTime() - row.startedAt.getTime()),
          workflowId: workflowId(),
          runId: info.workflowExecution?.runId ?? '',
          activityId: `orchestrated-step/${input.stepId}`,
          attempt: 1,
          startedAt: row.startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
        });
      }
      return { startedAt: row.startedAt.toISOString(), finishedAt: row.finishedAt?.toISOString() ?? null };
    },
    /** The orchestrated task's outcome against its signature, and the guidance it followed. */
    async recordTaskOutcome(input: {
      signature: string;
      goal: string;
      success: boolean;
      plan: unknown;
      results: unknown;
      guidanceDecisionId?: number;
    }): Promise<void> {
      await store.procedures.recordTaskOutcome({ workflowId: workflowId(), ...input });
      if (input.guidanceDecisionId !== undefined)
        await store.decisions.recordOutcome({
          decisionId: input.guidanceDecisionId,
          success: input.success,
          detail: { workflowId: workflowId() },
        });
    },
  };
}

/**
 * A plan composed from the registered capabilities for a goal: consult memory, then each
 * capability whose keywords the goal mentions (in parallel), then — when tests are required — a
 * health verification after all of them.
 */
export function composePlan(
  goal: string,
  constraints: { testsRequired: boolean },
  capabilities: readonly Capability[],
): PlanStep[] {
  const words = new Set(
    goal
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean),
  );
  const asStep = (c: Capability, dependsOn: string[]): PlanStep => ({
    id: c.name,
    capability: c.name,
    agents: c.agents,
    dependsOn,
    params: {},
    ...(c.procedure ? { procedure: c.procedure } : { step: fillTemplate(c.step!, { goal }) }),
  });
  const first = capabilities.find((c) => c.name === 'consult-memory')!;
  const chosen = capabilities.filter((c) => c.name !== 'verify-health' && c.keywords.some((k) => words.has(k)));
  const plan = [asStep(first, []), ...chosen.map((c) => asStep(c, [first.name]))];
  const verify = capabilities.find((c) => c.name === 'verify-health');
  if (verify && (constraints.testsRequired || verify.keywords.some((k) => words.has(k))))
    plan.push(
      asStep(
        verify,
        plan
          .slice(1)
          .map((s) => s.id)
          .concat(plan.length === 1 ? [first.name] : []),
      ),
    );
  return plan;
}
