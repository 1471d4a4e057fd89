/**
 * `procedureWorkflow`: one procedure version, step by step. Each step is an activity (guidance,
 * remediation, health, webhook, handoff) or a child workflow (`workflow`), with the step's own
 * retry policy; an `approval` step waits for the `approve` update. A step is skipped only with an
 * approval (the `skipStep` update: who and why, recorded). Enforcement: under `strict` an
 * operation step with no guidance consulted before it (a guidance step, or the run's
 * `guidanceDecisionId`) is blocked until approved; `warn` records a warning and goes on; `off`
 * does neither. Search attribute `BrainOpsAgent` and a memo (procedure, version, step, state) for
 * the Web UI; the `status` query for everyone else.
 */
import {
  ApplicationFailure,
  condition,
  executeChild,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import { fillTemplate, OPERATION_KINDS, type ProcedureStep, type StepRetry } from '../contracts/procedure';
import {
  approvalSchema,
  approveUpdate,
  procedureStatusQuery,
  skipStepSchema,
  skipStepUpdate,
  type ProcedureStatus,
  type ProcedureWorkflowInput,
} from '../contracts/procedure-messages';
import { parseInput } from '../contracts/validate';
import { failureCause } from '../domain/failure-cause';

type Activities = ReturnType<typeof createActivities>;

const records = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** The innermost message of an activity's or a child workflow's failure. */
function failureMessage(error: unknown): string {
  return (failureCause(error) ?? (error as Error)).message ?? String(error);
}

function retryOf(r: StepRetry | undefined): ActivityOptions['retry'] {
  return r
    ? {
        maximumAttempts: r.maximumAttempts,
        initialInterval: r.initialIntervalMs,
        backoffCoefficient: r.backoffCoefficient,
      }
    : { maximumAttempts: 3 };
}

/** A short, storable rendering of a step's result. */
function summary(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return value ?? null;
  const json = JSON.stringify(value);
  return json.length <= 1000 ? value : `${json.slice(0, 1000)}…`;
}

export async function procedureWorkflow(input: ProcedureWorkflowInput): Promise<ProcedureStatus> {
  const def = input.definition;
  const info = workflowInfo();
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: input.agent ?? 'WorkflowOrchestrator' }]);
  const status: ProcedureStatus = {
    procedure: def.name,
    version: def.version,
    enforcement: def.enforcement,
    state: 'running',
    currentStep: null,
    guidanceDecisionId: input.guidanceDecisionId ?? null,
    waitingFor: null,
    warnings: [],
    steps: def.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      ...(s.title ? { title: s.title } : {}),
      status: 'pending',
    })),
  };
  const memo = () =>
    upsertMemo({ procedure: def.name, version: def.version, step: status.currentStep, state: status.state });
  memo();

  const skips = new Map<string, { approvedBy: string; reason: string }>();
  let approval: { approvedBy: string; reason: string } | undefined;
  setHandler(procedureStatusQuery, () => status);
  setHandler(
    approveUpdate,
    async (raw) => {
      approval = parseInput(approvalSchema, raw, 'approval');
      await condition(() => approval === undefined);
      return status;
    },
    {
      validator: (raw) => {
        parseInput(approvalSchema, raw, 'approval');
        if (status.state !== 'blocked' && status.state !== 'waiting-approval')
          throw ApplicationFailure.nonRetryable(`nothing to approve: the run is ${status.state}`, 'NothingToApprove');
        if (approval) throw ApplicationFailure.nonRetryable('already approved', 'NothingToApprove');
      },
    },
  );
  setHandler(
    skipStepUpdate,
    (raw) => {
      const s = parseInput(skipStepSchema, raw, 'skip');
      skips.set(s.stepId, { approvedBy: s.approvedBy, reason: s.reason });
      return status;
    },
    {
      validator: (raw) => {
        const s = parseInput(skipStepSchema, raw, 'skip');
        const step = status.steps.find((v) => v.id === s.stepId);
        if (!step)
          throw ApplicationFailure.nonRetryable(
            `no step "${s.stepId}" in ${def.name} v${def.version} (steps: ${status.steps.map((v) => v.id).join(', ')})`,
            'ValidationError',
          );
        if (!['pending', 'blocked', 'waiting-approval'].includes(step.status))
          throw ApplicationFailure.nonRetryable(
            `step "${s.stepId}" is ${step.status}; it cannot be skipped`,
            'ValidationError',
          );
      },
    },
  );

  const record = (
    stepId: string,
    event: Parameters<Activities['recordProcedureStep']>[0]['event'],
    extra: { approvedBy?: string; reason?: string; detail?: unknown } = {},
  ) => records.recordProcedureStep({ name: def.name, version: def.version, stepId, event, ...extra });

  await records.openProcedureRun({
    name: def.name,
    version: def.version,
    guidanceDecisionId: input.guidanceDecisionId,
  });
  let guided = input.guidanceDecisionId !== undefined;
  let released = false;
  let warned = false;
  const params = input.params;

  for (const [i, raw] of def.steps.entries()) {
    const step = fillTemplate(raw, params);
    const view = status.steps[i]!;
    status.currentStep = step.id;
    memo();
    const skip = async (): Promise<void> => {
      const s = skips.get(step.id)!;
      view.status = 'skipped';
      view.approvedBy = s.approvedBy;
      view.reason = s.reason;
      status.state = 'running';
      status.waitingFor = null;
      // An approval given for the step it skips is used up with it (never carried to a later step).
      approval = undefined;
      await record(step.id, 'skipped', s);
    };
    if (skips.has(step.id)) {
      await skip();
      continue;
    }

    if (OPERATION_KINDS.includes(step.kind) && !guided && !released && def.enforcement !== 'off') {
      const why = `step "${step.id}" (${step.kind}) would run without consulting guidance`;
      if (def.enforcement === 'strict') {
        view.status = 'blocked';
        status.state = 'blocked';
        status.waitingFor = `${why}; approve to release it`;
        memo();
        await record(step.id, 'blocked', { reason: why });
        await condition(() => approval !== undefined || skips.has(step.id));
        if (skips.has(step.id)) {
          await skip();
          continue;
        }
        const a = approval!;
        view.approvedBy = a.approvedBy;
        view.reason = a.reason;
        await record(step.id, 'released', a);
        approval = undefined;
        released = true;
        status.state = 'running';
        status.waitingFor = null;
      } else if (!warned) {
        warned = true;
        status.warnings.push(why);
        await record(step.id, 'warned', { reason: why });
      }
    }

    if (step.kind === 'approval') {
      view.status = 'waiting-approval';
      status.state = 'waiting-approval';
      status.waitingFor = step.prompt;
      memo();
      await condition(() => approval !== undefined || skips.has(step.id));
      if (skips.has(step.id)) {
        await skip();
        continue;
      }
      const a = approval!;
      view.status = 'succeeded';
      view.approvedBy = a.approvedBy;
      view.reason = a.reason;
      await record(step.id, 'approved', a);
      approval = undefined;
      status.state = 'running';
      status.waitingFor = null;
      continue;
    }

    view.status = 'running';
    memo();
    try {
      const result = await runStep(step, info.workflowId, input);
      if (step.kind === 'guidance') {
        const g = result as Awaited<ReturnType<Activities['getGuidance']>>;
        guided = true;
        status.guidanceDecisionId = g.decisionId;
        view.result = { decisionId: g.decisionId, primary: g.primary.summary, confidence: g.confidence };
      } else view.result = summary(result);
      view.status = 'succeeded';
      await record(step.id, 'ran', { detail: { result: view.result ?? null } });
    } catch (error) {
      const message = failureMessage(error);
      view.status = 'failed';
      view.error = message;
      status.state = 'failed';
      memo();
      await record(step.id, 'failed', { detail: { error: message } });
      await records.finishProcedureRun({
        success: false,
        error: `${step.id}: ${message}`,
        guidanceDecisionId: status.guidanceDecisionId ?? undefined,
      });
      throw ApplicationFailure.nonRetryable(
        `step "${step.id}" of ${def.name} v${def.version} failed: ${message}`,
        'ProcedureStepFailed',
      );
    }
  }
  status.state = 'succeeded';
  status.currentStep = null;
  memo();
  await records.finishProcedureRun({ success: true, guidanceDecisionId: status.guidanceDecisionId ?? undefined });
  return status;
}

async function runStep(step: ProcedureStep, workflowId: string, input: ProcedureWorkflowInput): Promise<unknown> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: step.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: retryOf(step.retry),
  });
  switch (step.kind) {
    case 'guidance':
      return acts.getGuidance({
        task: step.task,
        context: { procedure: input.definition.name, version: input.definition.version, step: step.id },
        requestedBy: input.agent ?? 'WorkflowOrchestrator',
      });
    case 'remediation':
      return acts.runRemediationStep({ action: step.action, params: step.params });
    case 'health':
      return acts.checkHealthStep({ target: step.target });
    case 'webhook':
      return acts.webhookStep({
        url: step.url,
        method: step.method,
        body: step.body,
        timeoutMs: step.timeoutMs ?? 10_000,
      });
    case 'handoff':
      return acts.handoffStep({
        tenantId: step.tenantId,
        sessionId: step.sessionId,
        toAgent: step.toAgent,
        reason: step.reason,
      });
    case 'workflow':
      return executeChild(step.workflowType, {
        workflowId: `${workflowId}/${step.id}`,
        args: step.args,
        retry: retryOf(step.retry ?? { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2 }),
        ...(step.timeoutMs ? { workflowRunTimeout: step.timeoutMs } : {}),
      });
    case 'approval':
      throw new Error('approval steps wait in the workflow');
  }
}
