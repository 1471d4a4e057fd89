/**
 * The phases of a deployment, in the order `deploymentWorkflow` runs them: open the record, wait
 * for the target, fetch, pre-check, check out, build, release and verify each environment, prune;
 * and finish (compensate when it did not succeed, close the record). Each phase that changes the
 * world pushes its compensation on the context's saga before it runs.
 */
import { ApplicationFailure, isCancellation, log } from '@temporalio/workflow';
import type { DeploymentStatus, RollbackRecord, StepOutcome } from '../contracts/deployment';
import type { DeploymentPlan, PlannedEnvironment } from '../contracts/deploy-target';
import type { DeploymentInput, DeploymentView } from '../contracts/deployment-messages';
import type { HealthCheckRef, HealthCheckResult } from '../contracts/health';
import { errorSignature } from '../domain/error-signature';
import { activityFailureCause } from './activity-failure';
import { BLOCKED, failureOf, type Failure } from './deployment-failure';
import { CompensationStack } from './deployment-saga';
import type { DeploymentState } from './deployment-state';
import {
  acts,
  approvalGate,
  heartbeating,
  queue,
  recordedStep,
  recordStepRow,
  verifyEnvironment,
  type DeploymentContext,
} from './deployment-steps';

/** What a finished deployment returns (a failed one fails the workflow with `DeploymentFailed`). */
export interface DeploymentResult {
  status: DeploymentStatus;
  commit?: string;
  deploymentId: number;
  view: DeploymentView;
}

/** Looks the target up and opens the deployment record. */
export async function openDeployment(
  input: DeploymentInput,
  kind: 'deploy' | 'rollback',
  state: DeploymentState,
): Promise<DeploymentContext> {
  const target = await acts.deploymentTarget({ target: input.target });
  const deploymentId = await acts.openDeployment({
    target: input.target,
    ref: input.ref,
    kind,
    startedBy: input.startedBy,
  });
  state.view.deploymentId = deploymentId;
  const network = heartbeating(target, 3_600_000);
  return { input, kind, state, target, deploymentId, network, saga: new CompensationStack(), rollbacks: [] };
}

/** One deployment of a target at a time: two refs released at once would fight over `current`. */
export function waitForTarget(ctx: DeploymentContext): Promise<string> {
  return recordedStep(
    ctx,
    'queue',
    undefined,
    () => queue.waitForTarget({ target: ctx.input.target, deploymentId: ctx.deploymentId }),
    (d) => d,
  );
}

/** Fetches the repository and resolves the ref to a commit (shown in the status from then on). */
export async function fetchRef(ctx: DeploymentContext): Promise<{ commit: string; baseCommit: string | null }> {
  const { input, deploymentId } = ctx;
  const fetched = await recordedStep(
    ctx,
    'fetch',
    undefined,
    () => ctx.network.fetchRef({ deploymentId, target: input.target, ref: input.ref }),
    (r) => `${input.ref} is ${r.commit}`,
  );
  ctx.state.view.commit = fetched.commit;
  return fetched;
}

/**
 * The memory-aware pre-check: the target's policy goes on, asks for approval at the `pre-check`
 * gate, or blocks (a non-retryable `DeploymentBlocked`).
 */
export async function preCheck(ctx: DeploymentContext, commit: string, baseCommit: string | null): Promise<void> {
  const { input, deploymentId, state } = ctx;
  const assessment = await recordedStep(
    ctx,
    'pre-check',
    undefined,
    () =>
      acts.assessDeployment({
        deploymentId,
        target: input.target,
        commit,
        baseCommit,
        forcedBy: input.force ? input.startedBy : undefined,
      }),
    (a) => `risk ${a.risk}: ${a.decision}`,
  );
  state.view.risk = assessment.risk;
  state.view.riskReasons = assessment.reasons;
  if (assessment.decision === 'block') {
    throw ApplicationFailure.nonRetryable(
      `pre-check blocked the deployment: risk ${assessment.risk} (${assessment.reasons.join('; ')})`,
      BLOCKED,
    );
  }
  if (assessment.decision === 'approve') await approvalGate(ctx, 'pre-check');
}

/** Checks out `releases/<commit>`; its compensation removes a release this run made. */
export async function checkOut(
  ctx: DeploymentContext,
  commit: string,
): Promise<{ path: string; created: boolean; built: boolean }> {
  const { target } = ctx.input;
  ctx.saga.push({
    name: 'remove release',
    run: async () =>
      (await acts.removeRelease({ target, commit }))
        ? `removed releases/${commit}`
        : 'release kept (not made by this deployment, or live)',
  });
  return recordedStep(
    ctx,
    'checkout',
    undefined,
    () => ctx.network.checkoutRelease({ target, commit }),
    (r) => (r.created ? `checked out ${r.path}` : `${r.path} was there already`),
  );
}

/**
 * Runs the target's build steps in order and marks the release built. A release built by an
 * earlier deployment (every step succeeded) is switched to as it is: building it again would run
 * the steps in a tree that may be live (`current` points at it).
 */
export async function build(ctx: DeploymentContext, commit: string, builtBefore: boolean): Promise<void> {
  if (builtBefore) {
    await recordedStep(
      ctx,
      'build',
      undefined,
      async () => undefined,
      () => 'skipped: built before',
    );
    return;
  }
  for (const step of ctx.target.steps) await buildStep(ctx, step, commit);
  await acts.markReleaseBuilt({ target: ctx.input.target, commit });
}

/**
 * One build step. The activity records its own row when the step ran to its end; a step that
 * compensates pushes its undo first.
 */
async function buildStep(ctx: DeploymentContext, step: DeploymentPlan['steps'][number], commit: string): Promise<void> {
  const { input, deploymentId, target } = ctx;
  const release = { target: input.target, ref: input.ref, commit };
  if (step.compensates) {
    // Recorded as a step of its own (a failed undo is in the record, not only in a log line),
    // and bounded by the step's timeout like the step itself.
    const undo = `undo ${step.name}`;
    ctx.saga.push({
      name: undo,
      run: async () =>
        (
          await recordedStep(
            ctx,
            undo,
            undefined,
            () => heartbeating(target, step.timeoutMs + 60_000).compensateDeployStep({ ...release, step: step.name }),
            (r) => r.detail,
          )
        ).detail,
    });
  }
  const { shown, seq, started } = ctx.state.newStep(step.name);
  try {
    const outcome = await heartbeating(target, step.timeoutMs + 60_000).runDeployStep({
      ...release,
      deploymentId,
      seq,
      step: step.name,
    });
    Object.assign(shown, {
      status: 'succeeded',
      durationMs: outcome.durationMs,
      logTail: outcome.tail,
      detail: `exit 0, ${outcome.outputBytes} bytes of output`,
    });
  } catch (error) {
    const details = activityFailureCause(error)?.details?.[0] as StepOutcome | undefined;
    Object.assign(shown, {
      status: isCancellation(error) ? 'cancelled' : 'failed',
      durationMs: details?.durationMs ?? Date.now() - started,
      logTail: details?.tail,
      detail: failureOf(error, step.name).message,
    });
    // Without an outcome the step never ran to its end (its program could not start, its
    // attempts timed out): the activity did not record it, so its row is written here.
    if (!details) {
      await recordStepRow(ctx, {
        seq,
        name: step.name,
        status: shown.status === 'cancelled' ? 'cancelled' : 'failed',
        durationMs: shown.durationMs!,
        error: shown.detail,
        startedAt: shown.startedAt,
        finishedAt: new Date().toISOString(),
      });
    }
    throw error;
  }
}

/**
 * One environment: its approval gate, promotion (an environment with a directory of its own gets
 * a copy of the build), the release switch and its verification. The compensations return the
 * environment to the release that was live before, and verify it.
 */
export async function releaseEnvironment(
  ctx: DeploymentContext,
  env: PlannedEnvironment,
  commit: string,
): Promise<void> {
  const { input, target, network } = ctx;
  if (env.approval) await approvalGate(ctx, env.name);
  if (env.directory !== target.directory) {
    ctx.saga.push({
      name: 'remove release',
      environment: env.name,
      run: async () => String(await acts.removeRelease({ target: input.target, commit, environment: env.name })),
    });
    await recordedStep(
      ctx,
      'promote',
      env.name,
      () => network.promoteRelease({ target: input.target, commit, environment: env.name }),
      (copied) => (copied ? 'copied the build' : 'already there'),
    );
  }
  const previous = await acts.currentRelease({ target: input.target, environment: env.name });
  ctx.saga.push({ name: 'rollback', environment: env.name, run: () => rollBack(ctx, env, previous) });
  await recordedStep(
    ctx,
    'release',
    env.name,
    () => network.switchRelease({ target: input.target, environment: env.name, ref: input.ref, commit }),
    (d) => d,
  );
  await recordedStep(
    ctx,
    'verify',
    env.name,
    () => verifyEnvironment(target, env),
    (d) => d,
  );
}

/**
 * Compensation of a release: back to `previous` (null: no release before), verified; the outcome
 * goes to `ctx.rollbacks`.
 */
async function rollBack(ctx: DeploymentContext, env: PlannedEnvironment, previous: string | null): Promise<string> {
  const { input, network, rollbacks } = ctx;
  await recordedStep(
    ctx,
    'rollback',
    env.name,
    () =>
      network.switchRelease({
        target: input.target,
        environment: env.name,
        ref: previous ?? input.ref,
        commit: previous,
      }),
    (d) => d,
  );
  if (previous === null) {
    // A `current` link can be taken away; a deploy hook's platform keeps running the failed commit.
    const gone = env.releaseKind === 'symlink';
    rollbacks.push({ environment: env.name, to: null, verified: gone });
    return gone
      ? 'back to no release: nothing to verify'
      : 'no earlier release to return to: the failed commit stays live';
  }
  try {
    const detail = await recordedStep(
      ctx,
      'verify rollback',
      env.name,
      () => verifyEnvironment(ctx.target, env),
      (d) => d,
    );
    rollbacks.push({ environment: env.name, to: previous, verified: true });
    return `back to ${previous}: ${detail}`;
  } catch (error) {
    const details = (error as ApplicationFailure).details?.[0] as
      { down?: HealthCheckResult; check?: HealthCheckRef } | undefined;
    rollbacks.push({
      environment: env.name,
      to: previous,
      verified: false,
      down: details?.down,
      check: details?.check,
    });
    return `back to ${previous}, but it is not healthy: ${(error as Error).message}`;
  }
}

/** Housekeeping: old releases of each environment go; one that cannot be pruned is logged, not rolled back for. */
export async function pruneOldReleases(
  ctx: DeploymentContext,
  commit: string,
  baseCommit: string | null,
): Promise<void> {
  for (const env of ctx.target.environments) {
    try {
      const pruned = await acts.pruneReleases({
        target: ctx.input.target,
        environment: env.name,
        protect: [commit, baseCommit],
      });
      if (pruned.length > 0) log.info('pruned old releases', { environment: env.name, pruned });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('could not prune old releases', { environment: env.name, error: failureOf(error, 'prune').message });
    }
  }
}

/**
 * Ends the deployment (call it outside cancellation): a deployment that did not succeed is
 * compensated; the record is closed with the status (`rolled_back` or `rollback_failed` once a
 * rollback ran); a previous release that did not come back healthy goes to error-learning. A
 * failed deployment throws a non-retryable `DeploymentFailed`.
 */
export async function finish(
  ctx: DeploymentContext,
  stopped: DeploymentStatus,
  failure: Failure | undefined,
): Promise<DeploymentResult> {
  const { input, state, deploymentId, rollbacks } = ctx;
  const { view } = state;
  let status = stopped;
  if (status !== 'succeeded') {
    view.state = 'rolling-back';
    await ctx.saga.unwind(
      (error, step) => failureOf(error, step).message,
      (c) => {
        if (c.name === 'rollback') rollbacks.push({ environment: c.environment!, to: null, verified: false });
      },
    );
  }
  let rollback: RollbackRecord | undefined;
  if (rollbacks.length > 0) {
    rollback = {
      to: rollbacks[0]!.to,
      verified: rollbacks.every((r) => r.verified),
      environments: rollbacks.map((r) => r.environment),
    };
    view.rollback = rollback;
    if (!rollback.verified) status = 'rollback_failed';
    else if (status === 'failed') status = 'rolled_back';
  }
  view.state = status;
  view.error = failure?.message;
  // A person's cancel or rejection and the policy's block are decisions, not errors.
  const decided = status === 'cancelled' || status === 'rejected' || status === 'blocked';
  const row = await acts.finishDeployment({
    deploymentId,
    status,
    failedStep: failure?.step,
    errorMessage: failure?.message,
    error: failure && !decided ? failure : undefined,
    rollback,
  });
  await reportUnhealthyRollback(ctx);
  if (status === 'failed' || status === 'rolled_back' || status === 'rollback_failed') {
    const at = failure?.step ? ` at ${failure.step}` : '';
    throw ApplicationFailure.nonRetryable(
      `deployment of ${input.target} ${input.ref} ${status.replace('_', ' ')}${at}: ${failure?.message ?? 'unknown error'}`,
      'DeploymentFailed',
      { deploymentId, status, commit: view.commit ?? null, signature: row.errorSignature },
    );
  }
  return { status, commit: view.commit, deploymentId, view };
}

/**
 * The previous release did not come back healthy: the world is broken, so error-learning takes it
 * (known fix, or a person).
 */
async function reportUnhealthyRollback(ctx: DeploymentContext): Promise<void> {
  const unhealthy = ctx.rollbacks.find((r) => !r.verified && r.down);
  if (!unhealthy?.down) return;
  const message = `${unhealthy.down.kind} check of ${unhealthy.down.target} failed: ${unhealthy.down.error ?? 'down'}`;
  await acts.startErrorLearning({
    signature: errorSignature('HealthCheckFailed', message),
    errorType: 'HealthCheckFailed',
    message,
    source: 'DeploymentManager',
    target: unhealthy.check,
  });
}
