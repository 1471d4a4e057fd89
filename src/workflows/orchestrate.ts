/**
 * `orchestrateWorkflow` (WorkflowOrchestrator), an agent's execute cycle: load context →
 * perform → save → learn.
 * 1. guidance for the goal (decision log);
 * 2. a plan: the one given, a procedure (named, or recommended by guidance), or steps composed
 *    from the registered capabilities;
 * 3. each step given to an agent with `selectAgent` (the best record for the step's capability);
 * 4. the steps run as child `procedureWorkflow`s in dependency order — every step whose
 *    dependencies succeeded starts at once, so independent steps run in parallel; a failed step
 *    cancels the steps that depend on it;
 * 5. the results aggregated, the outcome stored (task outcome against the task's signature, a
 *    memory entry, the guidance decision's outcome) and each step's success or failure recorded
 *    against its agent.
 */
import {
  ApplicationFailure,
  executeChild,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  orchestrationStatusQuery,
  type OrchestrateParsed,
  type OrchestrationResult,
  type OrchestrationStatus,
  type PlanStep,
} from '../contracts/orchestrator-messages';
import type { ProcedureDefinition } from '../contracts/procedure';
import { taskSignature } from '../domain/guidance';
import { failureCause } from '../domain/failure-cause';
import { procedureWorkflow } from './procedure';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 10 } });

/** Guidance with at least this confidence that recommends a procedure makes the plan that procedure. */
const PROCEDURE_CONFIDENCE = 0.35;

export async function orchestrateWorkflow(input: OrchestrateParsed): Promise<OrchestrationResult> {
  const info = workflowInfo();
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'WorkflowOrchestrator' }]);
  const status: OrchestrationStatus = {
    goal: input.goal,
    signature: taskSignature(input.goal),
    state: 'planning',
    guidanceDecisionId: null,
    planSource: 'explicit',
    steps: [],
  };
  const memo = () =>
    upsertMemo({
      agent: 'WorkflowOrchestrator',
      goal: input.goal.slice(0, 200),
      state: status.state,
      steps: status.steps.map((s) => `${s.id}:${s.status}${s.agent ? `@${s.agent}` : ''}`).join(' '),
    });
  setHandler(orchestrationStatusQuery, () => status);
  memo();

  // 1. Load context.
  const guidance = await acts.getGuidance({
    task: input.goal,
    context: { constraints: input.constraints },
    tenantId: input.tenantId,
  });
  status.guidanceDecisionId = guidance.decisionId;

  // 2. Plan.
  let plan: PlanStep[];
  const recommended =
    guidance.primary.kind === 'procedure' && guidance.confidence >= PROCEDURE_CONFIDENCE
      ? guidance.primary.ref
      : undefined;
  if (input.plan) plan = input.plan;
  else if (input.procedure ?? recommended) {
    const name = (input.procedure ?? recommended)!;
    status.planSource = 'procedure';
    plan = [
      {
        id: 'procedure',
        capability: `procedure:${name}`,
        agents: ['WorkflowOrchestrator'],
        dependsOn: [],
        procedure: name,
        params: input.params,
      },
    ];
  } else {
    status.planSource = 'capabilities';
    plan = await acts.composePlan({ goal: input.goal, testsRequired: input.constraints.testsRequired });
  }

  // 3. Assign each step by track record.
  const agents = new Map<string, string>();
  for (const step of plan) {
    const selection = await acts.selectAgent({
      capability: step.capability,
      candidates: step.agents,
      decidedBy: 'WorkflowOrchestrator',
      purpose: `${input.goal.slice(0, 300)} — step ${step.id}`,
    });
    agents.set(step.id, selection.chosen);
  }
  status.steps = plan.map((s) => ({
    id: s.id,
    capability: s.capability,
    agent: agents.get(s.id) ?? null,
    dependsOn: s.dependsOn,
    status: 'pending',
    workflowId: null,
    startedAt: null,
    finishedAt: null,
  }));
  status.state = 'running';
  memo();

  // 4. Perform: the DAG.
  const deadlineMs = input.constraints.deadline ? Date.parse(input.constraints.deadline) : undefined;
  const running = new Map<string, Promise<void>>();
  const view = (id: string) => status.steps.find((s) => s.id === id)!;
  const runStep = async (step: PlanStep): Promise<void> => {
    const v = view(step.id);
    const agent = agents.get(step.id)!;
    v.status = 'running';
    v.workflowId = `${info.workflowId}/${step.id}`;
    memo();
    const started = await acts.recordOrchestrationStep({
      stepId: step.id,
      capability: step.capability,
      agentId: agent,
      status: 'running',
    });
    v.startedAt = started.startedAt;
    try {
      const definition: ProcedureDefinition = step.procedure
        ? await acts.loadProcedure({ name: step.procedure, params: step.params })
        : {
            name: 'orchestrated-step',
            version: 1,
            description: step.capability,
            enforcement: 'off',
            params: {},
            keywords: [],
            steps: [step.step!],
          };
      const left = deadlineMs === undefined ? undefined : deadlineMs - Date.now();
      if (left !== undefined && left <= 0) throw new Error(`the deadline ${input.constraints.deadline} has passed`);
      const result = await executeChild(procedureWorkflow, {
        workflowId: v.workflowId,
        args: [
          {
            definition,
            params: step.params,
            guidanceDecisionId: guidance.decisionId,
            startedBy: 'WorkflowOrchestrator',
            agent,
          },
        ],
        ...(left !== undefined ? { workflowRunTimeout: left } : {}),
      });
      v.status = 'succeeded';
      v.result = result.steps.map((s) => ({ id: s.id, status: s.status, result: s.result ?? null }));
    } catch (error) {
      v.status = 'failed';
      v.error = (failureCause(error) ?? (error as Error)).message;
    }
    const ended = await acts.recordOrchestrationStep({
      stepId: step.id,
      capability: step.capability,
      agentId: agent,
      status: v.status === 'succeeded' ? 'succeeded' : 'failed',
      detail: v.status === 'succeeded' ? { result: v.result ?? null } : { error: v.error },
    });
    v.finishedAt = ended.finishedAt;
    memo();
  };
  for (;;) {
    for (const step of plan) {
      const v = view(step.id);
      if (v.status !== 'pending') continue;
      const deps = step.dependsOn.map(view);
      if (deps.some((d) => d.status === 'failed' || d.status === 'cancelled')) {
        v.status = 'cancelled';
        v.error = `a step it depends on failed (${deps
          .filter((d) => d.status !== 'succeeded')
          .map((d) => d.id)
          .join(', ')})`;
        continue;
      }
      if (deps.every((d) => d.status === 'succeeded'))
        running.set(
          step.id,
          runStep(step).finally(() => running.delete(step.id)),
        );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  // 5. Save and learn.
  const success = status.steps.every((s) => s.status === 'succeeded');
  status.state = success ? 'succeeded' : 'failed';
  memo();
  const results = Object.fromEntries(
    status.steps.map((s) => [s.id, { agent: s.agent, status: s.status, ...(s.error ? { error: s.error } : {}) }]),
  );
  await acts.recordTaskOutcome({
    signature: status.signature,
    goal: input.goal,
    success,
    plan: plan.map((s) => ({ id: s.id, capability: s.capability, dependsOn: s.dependsOn, agent: agents.get(s.id) })),
    results: {
      ...results,
      ...(success || !input.constraints.rollbackPlan ? {} : { rollbackPlan: input.constraints.rollbackPlan }),
    },
    guidanceDecisionId: guidance.decisionId,
  });
  await acts.storeMemory({
    key: `orchestration/${info.workflowId}`,
    title: `${success ? 'Succeeded' : 'Failed'}: ${input.goal.slice(0, 200)}`,
    content: [
      `Goal: ${input.goal}`,
      `Outcome: ${status.state} (plan from ${status.planSource})`,
      ...status.steps.map(
        (s) => `- ${s.id} (${s.capability}) by ${s.agent}: ${s.status}${s.error ? ` — ${s.error}` : ''}`,
      ),
      ...(!success && input.constraints.rollbackPlan ? [`Rollback plan: ${input.constraints.rollbackPlan}`] : []),
    ].join('\n'),
    value: { signature: status.signature, success, results },
    memoryType: 'workflow_state',
    scope: input.tenantId ? 'tenant' : 'global',
    ...(input.tenantId ? { tenantId: input.tenantId } : {}),
    tags: ['orchestration', success ? 'succeeded' : 'failed'],
  });
  if (!success)
    throw ApplicationFailure.nonRetryable(
      `${input.goal}: ${status.steps
        .filter((s) => s.status !== 'succeeded')
        .map((s) => `${s.id} ${s.status}${s.error ? ` (${s.error})` : ''}`)
        .join('; ')}`,
      'OrchestrationFailed',
      status,
    );
  return status;
}
