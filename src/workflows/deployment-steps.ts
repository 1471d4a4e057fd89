/**
 * The building blocks of a deployment's phases: the activities it calls and their options, its
 * context, recorded steps (shown live, a row in the deployment record when they end), approval
 * gates and health verification of an environment.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { DeploymentStepRecord } from '../contracts/deployment';
import type { DeploymentPlan, PlannedEnvironment } from '../contracts/deploy-target';
import type { DeploymentInput } from '../contracts/deployment-messages';
import type { HealthCheckRef, HealthCheckResult } from '../contracts/health';
import { failureOf, GATE_REJECTED } from './deployment-failure';
import type { CompensationStack } from './deployment-saga';
import type { DeploymentState } from './deployment-state';

export type Activities = ReturnType<typeof createActivities>;

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '10s', maximumAttempts: 5 },
});
/** Retried until the deployments of the target started earlier have finished (or this one is cancelled). */
export const queue = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '15s' },
});

/**
 * Activities that run a while heartbeat: a lost worker is noticed after `heartbeatTimeoutMs`, and a
 * cancel reaches them (Temporal docs, "Detecting Activity failures"); compensation waits until a
 * cancelled step has really stopped (`WAIT_CANCELLATION_COMPLETED`).
 */
export function heartbeating(target: DeploymentPlan, startToCloseMs: number): Activities {
  return proxyActivities<Activities>({
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: target.heartbeatTimeoutMs,
    retry: { maximumInterval: '10s', maximumAttempts: 3 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

/** How one environment's rollback ended. */
export interface RollbackOutcome {
  environment: string;
  to: string | null;
  verified: boolean;
  down?: HealthCheckResult;
  /** The check that failed, by name. */
  check?: HealthCheckRef;
}

/** What every phase of one deployment works with. */
export interface DeploymentContext {
  input: DeploymentInput;
  kind: 'deploy' | 'rollback';
  state: DeploymentState;
  target: DeploymentPlan;
  deploymentId: number;
  /** Heartbeating activities that may take an hour (fetch, checkout, promote, release switches). */
  network: Activities;
  saga: CompensationStack;
  rollbacks: RollbackOutcome[];
}

/** Writes a step's row in the deployment record; runs even when the deployment is being cancelled. */
export function recordStepRow(ctx: DeploymentContext, step: DeploymentStepRecord): Promise<void> {
  return CancellationScope.nonCancellable(() => acts.recordDeploymentStep({ deploymentId: ctx.deploymentId, step }));
}

/** Runs `fn` as a recorded step of the deployment (its row written when it ends). */
export async function recordedStep<T>(
  ctx: DeploymentContext,
  name: string,
  environment: string | undefined,
  fn: () => Promise<T>,
  detail?: (r: T) => string,
): Promise<T> {
  const { shown: step, seq, started } = ctx.state.newStep(name, environment);
  try {
    const result = await fn();
    step.status = 'succeeded';
    step.detail = detail?.(result);
    return result;
  } catch (error) {
    step.status = isCancellation(error) ? 'cancelled' : 'failed';
    step.detail = failureOf(error, name).message;
    throw error;
  } finally {
    step.durationMs = Date.now() - started;
    await recordStepRow(ctx, {
      seq,
      name,
      environment,
      status: step.status === 'running' ? 'failed' : step.status,
      durationMs: step.durationMs,
      error: step.status === 'succeeded' ? null : step.detail,
      startedAt: step.startedAt,
      finishedAt: new Date().toISOString(),
    });
  }
}

/**
 * Waits at a gate for `approve` or `reject` (or the target's approval timeout); a rejection throws
 * `DeploymentRejected`.
 */
export async function approvalGate(ctx: DeploymentContext, gate: string): Promise<void> {
  const { input, state, target, deploymentId } = ctx;
  try {
    const { answer: a, answered } = await state.awaitAnswer(gate, target.approvalTimeoutMs);
    await acts.recordDecision({
      agentId: 'DeploymentManager',
      decision: `${a.approved ? 'approved' : 'rejected'} ${gate} gate of ${input.target} ${state.view.commit?.slice(0, 12) ?? input.ref}`,
      context: { deploymentId, gate, by: a.by, comment: a.comment ?? null, answered },
      outcome: a.approved ? 'go on' : 'stop',
    });
    if (!a.approved) {
      throw ApplicationFailure.nonRetryable(
        `${gate} gate: rejected by ${a.by}${a.comment ? ` (${a.comment})` : ''}`,
        GATE_REJECTED,
      );
    }
  } finally {
    state.closeGate();
  }
}

/**
 * Every check of the environment up within the configured rounds; otherwise a non-retryable
 * `HealthCheckFailed` naming the first one down (worded as SystemMonitor's, so the signature is
 * shared), with `{ down, check }` as its details.
 */
export async function verifyEnvironment(target: DeploymentPlan, env: PlannedEnvironment): Promise<string> {
  if (env.healthChecks.length === 0) return 'no health checks configured';
  let results: HealthCheckResult[] = [];
  for (let round = 0; round < target.verify.attempts; round++) {
    if (round > 0 && target.verify.intervalMs > 0) await sleep(target.verify.intervalMs);
    results = await Promise.all(
      env.healthChecks.map((check) =>
        proxyActivities<Activities>({
          startToCloseTimeout: check.timeoutMs + 5000,
          retry: { maximumAttempts: 2 },
        }).checkHealthTarget({ name: check.name, deployment: { target: target.name, environment: env.name } }),
      ),
    );
    if (results.every((r) => r.status === 'up'))
      return `${results.map((r) => r.target).join(', ')} up (round ${round + 1})`;
  }
  const down = results.find((r) => r.status === 'down')!;
  throw ApplicationFailure.nonRetryable(
    `${down.kind} check of ${down.target} failed: ${down.error ?? 'down'}`,
    'HealthCheckFailed',
    {
      down,
      check: { name: down.target, deployment: { target: target.name, environment: env.name } },
    },
  );
}
