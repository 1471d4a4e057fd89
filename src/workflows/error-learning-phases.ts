/**
 * The phases of error-learning, as `errorLearningWorkflow` runs them: try the candidate solutions
 * (apply → verify → record the outcome), then escalate and wait for a person's answer.
 */
import { executeChild, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type {
  Candidate,
  ErrorLearningInput,
  HumanDecision,
  RemediationResult,
} from '../contracts/error-learning-messages';
import { activityFailureCause } from './activity-failure';
import type { ErrorLearningState } from './error-learning-state';
import { remediationSequenceWorkflow } from './remediation-sequence';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '10s', maximumAttempts: 5 },
});
const remediation = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

/** What every phase of one error-learning run works with. */
export interface ErrorLearningContext {
  input: ErrorLearningInput;
  state: ErrorLearningState;
  /** Sequences started as child workflows so far; numbers the next one's workflow id. */
  applications: number;
}

/**
 * Tries the candidates found now, in their order, skipping those in `tried` and those below the
 * confidence threshold, until one is verified. True once one has resolved the error.
 */
export async function tryCandidates(ctx: ErrorLearningContext, tried: Set<string>): Promise<boolean> {
  const { input } = ctx;
  const threshold = input.autoConfidence ?? 0.5;
  const candidates = await acts.findSolutions({
    signature: input.signature,
    message: input.message,
    target: input.target?.name,
    alert: input.alert?.name,
  });
  for (const candidate of candidates) {
    // The alert resolved before (another) remediation was applied: nothing more to do.
    if (ctx.state.cleared) {
      await resolveByAlert(ctx);
      return true;
    }
    const key = `${candidate.solutionId ?? 'configured'}:${candidate.action}`;
    if (tried.has(key) || candidate.confidence < threshold) continue;
    tried.add(key);
    if (await tryCandidate(ctx, candidate)) {
      await resolveByAutomation(ctx, candidate);
      return true;
    }
  }
  return false;
}

/** One candidate: the decision logged, applied, verified, its outcome recorded. True when verified. */
async function tryCandidate(ctx: ErrorLearningContext, candidate: Candidate): Promise<boolean> {
  const { input, state } = ctx;
  await acts.recordDecision({
    decision: `apply remediation "${candidate.action}"`,
    confidence: candidate.confidence,
    patterns: [candidate.problemSignature],
    context: {
      signature: input.signature,
      origin: candidate.origin,
      similarity: candidate.similarity,
      occurrences: state.status.occurrences,
    },
  });
  const applied = await apply(ctx, candidate);
  const verified = applied.ok && (await verify(ctx));
  state.status.attempts.push({
    action: candidate.action,
    solutionId: candidate.solutionId,
    confidence: candidate.confidence,
    ok: applied.ok,
    verified,
    detail: applied.detail,
  });
  await recordOutcome(candidate, applied, verified);
  return verified;
}

/** A sequence runs as a child workflow (one activity per step); anything else is one activity. */
function apply(ctx: ErrorLearningContext, candidate: Candidate): Promise<RemediationResult> {
  const { failedWorkflowId } = ctx.input;
  return candidate.kind === 'sequence'
    ? executeChild(remediationSequenceWorkflow, {
        workflowId: `${workflowInfo().workflowId}/remediation/${++ctx.applications}`,
        args: [{ action: candidate.action, steps: candidate.steps ?? [], failedWorkflowId }],
      })
    : remediation.applyRemediation({ action: candidate.action, params: candidate.params, failedWorkflowId });
}

/**
 * Re-checks the failing target, 1 s apart; an alert's error waits for its alerts to be reported
 * resolved; an error with neither counts as fixed once applied.
 */
async function verify(ctx: ErrorLearningContext): Promise<boolean> {
  const { input, state } = ctx;
  if (input.alert) return state.awaitCleared(input.alert.verifyTimeoutMs ?? 15 * 60_000);
  if (!input.target) return true;
  // Only the name (and the deployment it belongs to): the worker resolves it from its configuration.
  const { name, deployment } = input.target;
  const ref = deployment
    ? { name, deployment: { target: deployment.target, environment: deployment.environment } }
    : { name };
  for (let i = 0; i < (input.verifyAttempts ?? 5); i++) {
    if ((await acts.checkHealthTarget(ref)).status === 'up') return true;
    await sleep('1s');
  }
  return false;
}

/** The solution's track record (a configured remediation has none yet) and the decision log. */
async function recordOutcome(candidate: Candidate, applied: RemediationResult, verified: boolean): Promise<void> {
  if (candidate.solutionId !== undefined)
    await acts.recordSolutionOutcome({ solutionId: candidate.solutionId, success: verified });
  await acts.recordDecision({
    decision: `outcome of "${candidate.action}"`,
    outcome: verified ? 'resolved' : applied.ok ? 'not verified' : `failed: ${applied.detail}`,
  });
}

/** A configured remediation that worked becomes a solution in the knowledge base. */
async function resolveByAutomation(ctx: ErrorLearningContext, candidate: Candidate): Promise<void> {
  const { input } = ctx;
  const solutionId =
    candidate.solutionId ??
    (await acts.learnSolution({
      signature: input.signature,
      message: input.message,
      action: candidate.action,
      description: `learned: "${candidate.action}" fixed ${input.message.slice(0, 200)}`,
      source: 'learned',
    }));
  await markResolved(ctx, solutionId, candidate.action, 'automation');
}

/** Hands the error to a person and marks its errors escalated. */
export async function escalate(ctx: ErrorLearningContext): Promise<void> {
  const { input, state } = ctx;
  await acts.escalate({
    signature: input.signature,
    message: input.message,
    occurrences: state.status.occurrences,
    tried: state.status.attempts.map((a) => a.action),
    workflowId: workflowInfo().workflowId,
  });
  await acts.markErrors({ signature: input.signature, status: 'escalated' });
  // Only now: a caller who sees `escalated` finds the escalation and the errors recorded.
  state.status.state = 'escalated';
}

/**
 * Waits for a person: `resolve` and `ignore` end the run, as does no answer within the escalation
 * timeout (`unresolved`); `retry` asks for the candidates to be tried again. An answer that cannot
 * be carried out is reported in the status and waited on again.
 */
export async function awaitPerson(ctx: ErrorLearningContext): Promise<'retry' | 'ended'> {
  const { input, state } = ctx;
  for (;;) {
    const decision = await state.awaitDecision(input.escalationTimeoutMs ?? 24 * 3600 * 1000);
    if (decision === undefined) {
      state.status.state = 'unresolved';
      return 'ended';
    }
    if (decision === 'cleared') {
      await resolveByAlert(ctx);
      return 'ended';
    }
    if (decision.kind === 'retry') return 'retry';
    if (decision.kind === 'ignore') {
      await acts.markErrors({ signature: input.signature, status: 'ignored' });
      state.status.state = 'ignored';
      return 'ended';
    }
    if (await resolveByPerson(ctx, decision)) return 'ended';
  }
}

/** Learns the person's action as a solution; false when it is refused (an unregistered action, say). */
async function resolveByPerson(
  ctx: ErrorLearningContext,
  decision: Extract<HumanDecision, { kind: 'resolve' }>,
): Promise<boolean> {
  const { input, state } = ctx;
  let solutionId: number;
  try {
    solutionId = await acts.learnSolution({
      signature: input.signature,
      message: input.message,
      action: decision.action,
      params: decision.params,
      description: decision.description ?? `resolved by a person with "${decision.action}"`,
      source: 'human',
    });
  } catch (error) {
    state.status.lastRejectedAnswer = activityFailureCause(error)?.message ?? String(error);
    return false;
  }
  await markResolved(ctx, solutionId, decision.action, 'person');
  return true;
}

/** The run's alerts resolved with no remediation of its verified: its errors are resolved, nothing is learned. */
async function resolveByAlert(ctx: ErrorLearningContext): Promise<void> {
  await acts.markErrors({ signature: ctx.input.signature, status: 'resolved' });
  ctx.state.status.state = 'resolved';
  ctx.state.status.resolvedBy = { action: 'alert resolved', by: 'alert' };
}

async function markResolved(
  ctx: ErrorLearningContext,
  solutionId: number,
  action: string,
  by: 'automation' | 'person',
): Promise<void> {
  await acts.markErrors({ signature: ctx.input.signature, status: 'resolved', solutionId });
  ctx.state.status.state = 'resolved';
  ctx.state.status.resolvedBy = { solutionId, action, by };
}
