/**
 * DeploymentManager's deployment of one ref of a target (seed 000 "On Code Change"): fetch and
 * resolve the ref → memory-aware pre-check (risk from past deployments; the target's policy goes
 * on, asks for approval or blocks) → check out `releases/<sha>` → build steps in order → per
 * environment: approval gate, release, verification → done.
 *
 * A saga: every step that changes the world registers its compensation first; on any failure,
 * cancel or rejection they run in reverse (a released environment returns to its previous
 * release, which is verified). Durable: a worker lost mid-step is replaced and the step retried;
 * completed steps are never run again (they are in the history).
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { StepOutcome } from '../contracts/deployment';
import type { PlannedEnvironment } from '../contracts/deploy-target';
import { errorSignature } from '../domain/error-signature';
import type { DeploymentStatus, RollbackRecord } from '../contracts/deployment';
import type { HealthCheckResult, HealthTarget } from '../contracts/health';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  approveSignal,
  cancelSignal,
  deploymentStatusQuery,
  rejectSignal,
  type ApprovalAnswer,
  type DeploymentInput,
  type DeploymentStepView,
  type DeploymentView,
} from '../contracts/deployment-messages';
import { activityFailureCause } from './activity-failure';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '10s', maximumAttempts: 5 } });
/** Retried until the deployments of the target started earlier have finished (or this one is cancelled). */
const queue = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '15s' } });

/** What a finished deployment returns (a failed one fails the workflow with `DeploymentFailed`). */
export interface DeploymentResult {
  status: DeploymentStatus;
  commit?: string;
  deploymentId: number;
  view: DeploymentView;
}

/** Undoes one step that changed the world; returns a line on what it did. */
interface Compensation {
  name: string;
  environment?: string;
  run(): Promise<string>;
}

/** Why the deployment stopped, for the record and the error event. */
interface Failure {
  step?: string;
  type: string;
  message: string;
  /** An activity failed (its error event is recorded already). */
  fromActivity: boolean;
}

const GATE_REJECTED = 'DeploymentRejected';
const BLOCKED = 'DeploymentBlocked';

function failureOf(error: unknown, step: string | undefined): Failure {
  const cause = activityFailureCause(error);
  if (cause) {
    return { step, type: cause.type ?? cause.name, message: cause.message, fromActivity: true };
  }
  const e = error as Error & { type?: string };
  return { step, type: e.type ?? e.name ?? 'Error', message: e.message ?? String(error), fromActivity: false };
}

export async function deploymentWorkflow(input: DeploymentInput): Promise<DeploymentResult> {
  const kind = input.kind ?? 'deploy';
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'DeploymentManager' }]);
  const view: DeploymentView = {
    workflowId: workflowInfo().workflowId,
    target: input.target,
    ref: input.ref,
    kind,
    startedBy: input.startedBy,
    state: 'running',
    startedAt: new Date().toISOString(),
    steps: [],
    approvals: [],
  };
  const work = new CancellationScope();
  let answer: ApprovalAnswer | undefined;
  let cancelled: { by: string; reason: string } | undefined;
  setHandler(deploymentStatusQuery, () => view);
  setHandler(approveSignal, (a) => {
    if (view.awaitingApproval) answer = { gate: view.awaitingApproval, approved: true, by: a?.by ?? 'unknown', comment: a?.comment };
  });
  setHandler(rejectSignal, (a) => {
    if (view.awaitingApproval) answer = { gate: view.awaitingApproval, approved: false, by: a?.by ?? 'unknown', comment: a?.comment };
  });
  setHandler(cancelSignal, (c) => {
    cancelled ??= { by: c?.by ?? 'unknown', reason: c?.reason ?? 'cancelled' };
    work.cancel();
  });

  const target = await acts.deploymentTarget({ target: input.target });
  const deploymentId = await acts.openDeployment({ target: input.target, ref: input.ref, kind, startedBy: input.startedBy });
  view.deploymentId = deploymentId;
  // Activities that run a while heartbeat: a lost worker is noticed after `heartbeatTimeoutMs`,
  // and a cancel reaches them; compensation waits until a cancelled step has really stopped.
  const long = (startToCloseMs: number) =>
    proxyActivities<Activities>({
      startToCloseTimeout: startToCloseMs,
      heartbeatTimeout: target.heartbeatTimeoutMs,
      retry: { maximumInterval: '10s', maximumAttempts: 3 },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  const network = long(3_600_000);

  let seq = 0;
  /** Shows a new step in the live status; `seq` numbers its row in the record. */
  const newStep = (name: string, environment?: string): { shown: DeploymentStepView; seq: number; started: number } => {
    const shown: DeploymentStepView = { name, environment, status: 'running', startedAt: new Date().toISOString() };
    view.steps.push(shown);
    view.step = name;
    view.environment = environment;
    view.stepStartedAt = shown.startedAt;
    return { shown, seq: ++seq, started: Date.now() };
  };
  /** Runs `fn` as a recorded step of the deployment (its row written when it ends). */
  const phase = async <T>(name: string, environment: string | undefined, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> => {
    const { shown: step, seq: stepSeq, started } = newStep(name, environment);
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
      await CancellationScope.nonCancellable(() =>
        acts.recordDeploymentStep({
          deploymentId,
          step: { seq: stepSeq, name, environment, status: step.status === 'running' ? 'failed' : step.status, durationMs: step.durationMs!, error: step.status === 'succeeded' ? null : step.detail, startedAt: step.startedAt, finishedAt: new Date().toISOString() },
        }),
      );
    }
  };

  /** Waits at a gate for `approve` or `reject` (or the target's approval timeout). */
  const approval = async (gate: string): Promise<void> => {
    view.state = 'awaiting-approval';
    view.awaitingApproval = gate;
    answer = undefined;
    try {
      const answered = await condition(() => answer !== undefined, target.approvalTimeoutMs);
      const a = answer ?? { gate, approved: false, by: 'timeout', comment: `no answer within ${target.approvalTimeoutMs} ms` };
      view.approvals.push(a);
      await acts.recordDecision({
        agentId: 'DeploymentManager',
        decision: `${a.approved ? 'approved' : 'rejected'} ${gate} gate of ${input.target} ${view.commit?.slice(0, 12) ?? input.ref}`,
        context: { deploymentId, gate, by: a.by, comment: a.comment ?? null, answered },
        outcome: a.approved ? 'go on' : 'stop',
      });
      if (!a.approved) throw ApplicationFailure.nonRetryable(`${gate} gate: rejected by ${a.by}${a.comment ? ` (${a.comment})` : ''}`, GATE_REJECTED);
    } finally {
      view.awaitingApproval = undefined;
      view.state = 'running';
    }
  };

  /**
   * Every check of the environment up within the configured rounds; otherwise a non-retryable
   * `HealthCheckFailed` naming the first one down (worded as SystemMonitor's, so the signature is
   * shared), with `{ down, check }` as its details.
   */
  const verify = async (env: PlannedEnvironment): Promise<string> => {
    if (env.healthChecks.length === 0) return 'no health checks configured';
    let results: HealthCheckResult[] = [];
    for (let round = 0; round < target.verify.attempts; round++) {
      if (round > 0 && target.verify.intervalMs > 0) await sleep(target.verify.intervalMs);
      results = await Promise.all(
        env.healthChecks.map((check) =>
          proxyActivities<Activities>({ startToCloseTimeout: check.timeoutMs + 5000, retry: { maximumAttempts: 2 } }).checkHealthTarget(check),
        ),
      );
      if (results.every((r) => r.status === 'up')) return `${results.map((r) => r.target).join(', ')} up (round ${round + 1})`;
    }
    const down = results.find((r) => r.status === 'down')!;
    throw ApplicationFailure.nonRetryable(`${down.kind} check of ${down.target} failed: ${down.error ?? 'down'}`, 'HealthCheckFailed', {
      down,
      check: env.healthChecks.find((c) => c.name === down.target),
    });
  };

  const compensations: Compensation[] = [];
  const rollbacks: { environment: string; to: string | null; verified: boolean; down?: HealthCheckResult; check?: HealthTarget }[] = [];
  let failure: Failure | undefined;
  let status: DeploymentStatus = 'succeeded';

  try {
    await work.run(async () => {
      // One deployment of a target at a time: two refs released at once would fight over `current`.
      await phase('queue', undefined, () => queue.waitForTarget({ target: input.target, deploymentId }), (d) => d);
      const fetched = await phase('fetch', undefined, () => network.fetchRef({ deploymentId, target: input.target, ref: input.ref }), (r) => `${input.ref} is ${r.commit}`);
      const commit = fetched.commit;
      view.commit = commit;

      if (kind === 'deploy') {
        const assessment = await phase(
          'pre-check',
          undefined,
          () => acts.assessDeployment({ deploymentId, target: input.target, commit, baseCommit: fetched.baseCommit, forcedBy: input.force ? input.startedBy : undefined }),
          (a) => `risk ${a.risk}: ${a.decision}`,
        );
        view.risk = assessment.risk;
        view.riskReasons = assessment.reasons;
        if (assessment.decision === 'block') throw ApplicationFailure.nonRetryable(`pre-check blocked the deployment: risk ${assessment.risk} (${assessment.reasons.join('; ')})`, BLOCKED);
        if (assessment.decision === 'approve') await approval('pre-check');
      }

      compensations.push({ name: 'remove release', run: async () => ((await acts.removeRelease({ target: input.target, commit })) ? `removed releases/${commit}` : 'release kept (not made by this deployment, or live)') });
      const checkout = await phase('checkout', undefined, () => network.checkoutRelease({ target: input.target, commit }), (r) => (r.created ? `checked out ${r.path}` : `${r.path} was there already`));

      if (checkout.built) {
        // Built by an earlier deployment (every step succeeded): switch to it as it is. Building it
        // again would run the steps in a tree that may be live (`current` points at it).
        await phase('build', undefined, async () => undefined, () => 'skipped: built before');
      } else {
        for (const step of target.steps) {
          const release = { target: input.target, ref: input.ref, commit };
          if (step.compensates) {
            // Recorded as a step of its own (a failed undo is in the record, not only in a log line),
            // and bounded by the step's timeout like the step itself.
            const undo = `undo ${step.name}`;
            compensations.push({ name: undo, run: async () => (await phase(undo, undefined, () => long(step.timeoutMs + 60_000).compensateDeployStep({ ...release, step: step.name }), (r) => r.detail)).detail });
          }
          const { shown, seq: stepSeq, started } = newStep(step.name);
          try {
            const outcome = await long(step.timeoutMs + 60_000).runDeployStep({ ...release, deploymentId, seq: stepSeq, step: step.name });
            Object.assign(shown, { status: 'succeeded', durationMs: outcome.durationMs, logTail: outcome.tail, detail: `exit 0, ${outcome.outputBytes} bytes of output` });
          } catch (error) {
            const details = activityFailureCause(error)?.details?.[0] as StepOutcome | undefined;
            Object.assign(shown, { status: isCancellation(error) ? 'cancelled' : 'failed', durationMs: details?.durationMs ?? Date.now() - started, logTail: details?.tail, detail: failureOf(error, step.name).message });
            // Without an outcome the step never ran to its end (its program could not start, its
            // attempts timed out): the activity did not record it, so its row is written here.
            if (!details) {
              await CancellationScope.nonCancellable(() =>
                acts.recordDeploymentStep({
                  deploymentId,
                  step: { seq: stepSeq, name: step.name, status: shown.status === 'cancelled' ? 'cancelled' : 'failed', durationMs: shown.durationMs!, error: shown.detail, startedAt: shown.startedAt, finishedAt: new Date().toISOString() },
                }),
              );
            }
            throw error;
          }
        }
        await acts.markReleaseBuilt({ target: input.target, commit });
      }

      for (const env of target.environments) {
        if (env.approval) await approval(env.name);
        if (env.directory !== target.directory) {
          compensations.push({ name: 'remove release', environment: env.name, run: async () => String(await acts.removeRelease({ target: input.target, commit, environment: env.name })) });
          await phase('promote', env.name, () => network.promoteRelease({ target: input.target, commit, environment: env.name }), (copied) => (copied ? 'copied the build' : 'already there'));
        }
        const previous = await acts.currentRelease({ target: input.target, environment: env.name });
        compensations.push({
          name: 'rollback',
          environment: env.name,
          run: async () => {
            await phase('rollback', env.name, () => network.switchRelease({ target: input.target, environment: env.name, ref: previous ?? input.ref, commit: previous }), (d) => d);
            if (previous === null) {
              // A `current` link can be taken away; a deploy hook's platform keeps running the failed commit.
              const gone = env.releaseKind === 'symlink';
              rollbacks.push({ environment: env.name, to: null, verified: gone });
              return gone ? 'back to no release: nothing to verify' : 'no earlier release to return to: the failed commit stays live';
            }
            try {
              const detail = await phase('verify rollback', env.name, () => verify(env), (d) => d);
              rollbacks.push({ environment: env.name, to: previous, verified: true });
              return `back to ${previous}: ${detail}`;
            } catch (error) {
              const details = (error as ApplicationFailure).details?.[0] as { down?: HealthCheckResult; check?: HealthTarget } | undefined;
              rollbacks.push({ environment: env.name, to: previous, verified: false, down: details?.down, check: details?.check });
              return `back to ${previous}, but it is not healthy: ${(error as Error).message}`;
            }
          },
        });
        await phase('release', env.name, () => network.switchRelease({ target: input.target, environment: env.name, ref: input.ref, commit }), (d) => d);
        await phase('verify', env.name, () => verify(env), (d) => d);
      }

      // Housekeeping: a release that is live and verified is not rolled back for it.
      for (const env of target.environments) {
        try {
          const pruned = await acts.pruneReleases({ target: input.target, environment: env.name, protect: [commit, fetched.baseCommit] });
          if (pruned.length > 0) log.info('pruned old releases', { environment: env.name, pruned });
        } catch (error) {
          if (isCancellation(error)) throw error;
          log.warn('could not prune old releases', { environment: env.name, error: failureOf(error, 'prune').message });
        }
      }
    });
  } catch (error) {
    failure = failureOf(error, view.step);
    if (cancelled || isCancellation(error)) {
      status = 'cancelled';
      failure = { step: view.step, type: 'DeploymentCancelled', message: `cancelled by ${cancelled?.by ?? 'Temporal'}: ${cancelled?.reason ?? 'workflow cancelled'}`, fromActivity: false };
    } else if ((error as { type?: string }).type === BLOCKED) status = 'blocked';
    else if ((error as { type?: string }).type === GATE_REJECTED) status = 'rejected';
    else status = 'failed';
  }

  return CancellationScope.nonCancellable(async () => {
    if (status !== 'succeeded') {
      view.state = 'rolling-back';
      for (const c of compensations.reverse()) {
        try {
          log.info('compensating', { step: c.name, environment: c.environment, detail: await c.run() });
        } catch (error) {
          log.error('compensation failed; going on with the rest', { step: c.name, environment: c.environment, error: failureOf(error, c.name).message });
          if (c.name === 'rollback') rollbacks.push({ environment: c.environment!, to: null, verified: false });
        }
      }
    }
    let rollback: RollbackRecord | undefined;
    if (rollbacks.length > 0) {
      rollback = { to: rollbacks[0]!.to, verified: rollbacks.every((r) => r.verified), environments: rollbacks.map((r) => r.environment) };
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

    // The previous release did not come back healthy: the world is broken, so error-learning
    // takes it (known fix, or a person).
    const unhealthy = rollbacks.find((r) => !r.verified && r.down);
    if (unhealthy?.down) {
      const message = `${unhealthy.down.kind} check of ${unhealthy.down.target} failed: ${unhealthy.down.error ?? 'down'}`;
      await acts.startErrorLearning({ signature: errorSignature('HealthCheckFailed', message), errorType: 'HealthCheckFailed', message, source: 'DeploymentManager', target: unhealthy.check });
    }
    if (status === 'failed' || status === 'rolled_back' || status === 'rollback_failed') {
      throw ApplicationFailure.nonRetryable(
        `deployment of ${input.target} ${input.ref} ${status.replace('_', ' ')}${failure?.step ? ` at ${failure.step}` : ''}: ${failure?.message ?? 'unknown error'}`,
        'DeploymentFailed',
        { deploymentId, status, commit: view.commit ?? null, signature: row.errorSignature },
      );
    }
    return { status, commit: view.commit, deploymentId, view };
  });
}
