/**
 * DeploymentManager's activities: resolve and fetch a ref, weigh the past (pre-check), check out
 * and build a release, switch it live, undo each of those, and keep the deployment record.
 * Targets are looked up by name in this worker's configuration: a workflow can only name one.
 */
import type { StepOutcome } from '../contracts/deployment';
import fs from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { BrainOpsConfig } from '../../temporal.config';
import { assessRisk, precheckDecision, type PrecheckDecision, type RiskAssessment } from '../domain/deploy-risk';
import { deploymentPlan, gitRefSchema, type DeploymentPlan, type ResolvedEnvironment, type ResolvedTarget } from '../contracts/deploy-target';
import { parseInput } from '../contracts/validate';
import { errorSignature } from '../domain/error-signature';
import type { DeploymentRow, DeploymentStatus, DeploymentStepRecord, RollbackRecord } from '../memory';
import { ValidationError } from '../contracts/errors';
import type { ActivityDeps } from './deps';
import { changedPaths, checkoutRelease, fetchAndResolve, readMarker, releasePath, writeMarker } from './deploy/git';
import { callHook, currentCommit, currentLink, pollUntilLive, promoteRelease, pruneReleases, statusNamesCommit, switchSymlink } from './deploy/release';
import { describeEnd, HEARTBEAT_MS, runArgv, stepEnvironment } from './process/run-argv';
import { createProbes } from './health-probes';
import { activityWriteId } from './idempotency';
import { probeTarget } from './monitor';

/** The failure type of a step that did not exit 0; its details hold a {@link StepOutcome}. */
export const STEP_FAILED = 'DeployStepFailed';

/** Identifies a deployment's release: target, ref, commit. */
interface ReleaseRef {
  target: string;
  ref: string;
  commit: string;
}

/**
 * Runs `fn` heartbeating. The workflow gives these activities a heartbeat timeout
 * (`heartbeatTimeoutMs`), which Temporal counts from the attempt's start: a clone, copy or hook call
 * longer than that would otherwise be taken for a lost worker and started again beside itself.
 */
async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}

function runId(): string {
  const { workflowExecution } = Context.current().info;
  return `${workflowExecution?.workflowId ?? 'standalone'}/${workflowExecution?.runId ?? '-'}`;
}

/** Failure type of {@link waitForTarget} while another deployment of the target runs. */
export const TARGET_BUSY = 'TargetBusy';

export function createDeploymentActivities({ store, temporal, namespace, memoryDatabaseUrl }: ActivityDeps, deploy: BrainOpsConfig['deploy']) {
  const probes = createProbes({ databaseUrl: memoryDatabaseUrl, temporal });
  const client = new Client({ connection: temporal, namespace });

  const targetOf = (name: string): ResolvedTarget => {
    const target = deploy.targets[name];
    if (!target) {
      const known = Object.keys(deploy.targets);
      throw new ValidationError('deployment', [{ field: 'target', message: `"${name}" is not a configured deployment target (configured: ${known.length ? known.join(', ') : 'none'})` }]);
    }
    return target;
  };
  const envOf = (t: ResolvedTarget, name: string): ResolvedEnvironment => {
    const env = t.environments.find((e) => e.name === name);
    if (!env) throw new ValidationError('deployment', [{ field: 'environment', message: `target ${t.name} has no environment "${name}"` }]);
    return env;
  };
  const deployEnv = (r: ReleaseRef, cwd: string, environment?: string): Record<string, string> => ({
    BRAINOPS_DEPLOY_TARGET: r.target,
    BRAINOPS_DEPLOY_REF: r.ref,
    BRAINOPS_DEPLOY_COMMIT: r.commit,
    BRAINOPS_RELEASE_DIR: cwd,
    ...(environment ? { BRAINOPS_DEPLOY_ENVIRONMENT: environment } : {}),
  });

  return {
    /** The named target as this worker configured it, without what may be secret (see {@link DeploymentPlan}). */
    async deploymentTarget(input: { target: string }): Promise<DeploymentPlan> {
      return deploymentPlan(targetOf(input.target));
    },

    /** Opens the deployment record of the calling workflow run; returns its id. */
    async openDeployment(input: { target: string; ref: string; kind: 'deploy' | 'rollback'; startedBy: string }): Promise<number> {
      const { workflowExecution } = Context.current().info;
      return store.openDeployment({
        ...input,
        workflowId: workflowExecution!.workflowId,
        runId: workflowExecution!.runId,
        environments: targetOf(input.target).environments.map((e) => e.name),
      });
    },

    /**
     * One deployment of a target at a time, in the order they started: throws a retryable
     * `TargetBusy` naming the earliest deployment of the target whose run is still open (the
     * workflow retries it until that one ends). Records left `running` by a run that was
     * terminated do not block.
     */
    async waitForTarget(input: { target: string; deploymentId: number }): Promise<string> {
      for (const earlier of await store.earlierOpenDeployments({ target: input.target, deploymentId: input.deploymentId })) {
        const { status } = await client.workflow.getHandle(earlier.workflowId, earlier.runId).describe().catch(() => ({ status: { name: 'UNKNOWN' } }));
        if (status.name === 'RUNNING') {
          throw ApplicationFailure.retryable(`target ${input.target} is being deployed by ${earlier.workflowId} (deployment ${earlier.id}); waiting for it to finish`, TARGET_BUSY);
        }
      }
      return `no other deployment of ${input.target} running`;
    },

    /**
     * Fetches the repository into the target's mirror and resolves `ref`; the paths it changes are
     * diffed against the live release (the last good deployment).
     */
    async fetchRef(input: { deploymentId: number; target: string; ref: string }): Promise<{ commit: string; baseCommit: string | null; changedCount: number }> {
      const t = targetOf(input.target);
      parseInput(gitRefSchema, input.ref, 'deployment ref');
      return heartbeating(async () => {
        const commit = await fetchAndResolve(t.repository, t.directory, input.ref);
        const { live } = await store.goodReleases({ target: t.name });
        const paths = await changedPaths(t.directory, live, commit);
        await store.recordDeploymentCommit({ id: input.deploymentId, commit, baseCommit: live, changedPaths: paths });
        // The paths (up to 2,000) stay in the record; the workflow's history gets their number.
        return { commit, baseCommit: live, changedCount: paths.length };
      });
    },

    /**
     * The memory-aware pre-check: past deployments of the target and of these paths give a risk
     * and reasons; the target's policy decides. Both go to the record and the decision log.
     */
    async assessDeployment(input: { deploymentId: number; target: string; commit: string; baseCommit: string | null; forcedBy?: string }): Promise<RiskAssessment & { decision: PrecheckDecision }> {
      const t = targetOf(input.target);
      // The same diff fetchRef recorded (computed again rather than carried through the history).
      const paths = await changedPaths(t.directory, input.baseCommit, input.commit);
      const past = await store.deploymentPast({ target: t.name, paths, excludeId: input.deploymentId });
      const assessment = assessRisk({ commit: input.commit, steps: t.steps.map((s) => s.name), past });
      const policy = precheckDecision(assessment.risk, t.precheck);
      // A person who forces a deployment takes the decision; the log keeps what the policy said.
      const decision = input.forcedBy ? 'go' : policy;
      await store.recordDeploymentRisk({ id: input.deploymentId, risk: assessment.risk, riskReasons: assessment.reasons });
      await store.recordDecision({
        agentId: 'DeploymentManager',
        decision: `pre-check of ${t.name} ${input.commit.slice(0, 12)}: ${policy === 'go' ? 'go on' : policy === 'approve' ? 'ask for approval' : 'block'}${input.forcedBy && policy !== 'go' ? ` (overridden by ${input.forcedBy})` : ''}`,
        confidence: 1 - assessment.risk,
        context: { target: t.name, commit: input.commit, risk: assessment.risk, reasons: assessment.reasons, policy: t.precheck, changedPaths: paths.length },
        patterns: assessment.signatures,
        dedupeKey: activityWriteId(),
      });
      return { ...assessment, decision };
    },

    /** `releases/<sha>` checked out at the commit; `created` when this run made it. */
    async checkoutRelease(input: { target: string; commit: string }): Promise<{ path: string; created: boolean; built: boolean }> {
      const t = targetOf(input.target);
      const marker = await heartbeating(() => checkoutRelease(t.directory, input.commit, runId()));
      return { path: releasePath(t.directory, input.commit), created: marker.createdBy === runId(), built: marker.built };
    },

    /**
     * Runs one configured build step in the release tree, heartbeating with its output tail, and
     * records it in the deployment. A step that does not exit 0 is a non-retryable
     * `DeployStepFailed` (its details: the outcome); a lost worker makes Temporal retry it.
     */
    async runDeployStep(input: ReleaseRef & { deploymentId: number; seq: number; step: string }): Promise<StepOutcome> {
      const t = targetOf(input.target);
      const step = t.steps.find((s) => s.name === input.step);
      if (!step) throw new ValidationError('deployment', [{ field: 'step', message: `target ${t.name} has no step "${input.step}"` }]);
      const cwd = releasePath(t.directory, input.commit);
      const startedAt = new Date().toISOString();
      const r = await runArgv({ argv: step.argv, cwd, env: stepEnvironment({ ...step.env, ...deployEnv(input, cwd) }), timeoutMs: step.timeoutMs });
      const outcome: StepOutcome = { exitCode: r.exitCode, durationMs: r.durationMs, tail: r.tail, outputBytes: r.outputBytes };
      const ok = r.exitCode === 0 && !r.timedOut && !r.cancelled;
      const message = ok ? undefined : describeEnd(`step ${step.name}`, r, step.timeoutMs);
      await store.recordDeploymentStep({
        deploymentId: input.deploymentId,
        step: { seq: input.seq, name: step.name, status: ok ? 'succeeded' : r.cancelled ? 'cancelled' : 'failed', exitCode: r.exitCode, durationMs: r.durationMs, logTail: r.tail, error: message, startedAt, finishedAt: new Date().toISOString() },
      });
      if (r.cancelled) throw new CancelledFailure(message!, [outcome]);
      if (!ok) throw ApplicationFailure.create({ type: STEP_FAILED, message: message!, nonRetryable: true, details: [outcome] });
      return outcome;
    },

    /**
     * Runs a step's `compensate` command (in the release tree if it is still there).
     * @throws ApplicationFailure `CompensationFailed` (non-retryable) when it does not exit 0.
     */
    async compensateDeployStep(input: ReleaseRef & { step: string }): Promise<{ detail: string }> {
      const t = targetOf(input.target);
      const step = t.steps.find((s) => s.name === input.step);
      if (!step?.compensate) return { detail: 'nothing to undo' };
      const release = releasePath(t.directory, input.commit);
      const cwd = (await readMarker(release)) ? release : t.directory;
      const r = await runArgv({ argv: step.compensate, cwd, env: stepEnvironment({ ...step.env, ...deployEnv(input, cwd) }), timeoutMs: step.timeoutMs });
      if (r.exitCode !== 0 || r.timedOut) throw ApplicationFailure.create({ type: 'CompensationFailed', message: describeEnd(`undo of ${step.name}`, r, step.timeoutMs), nonRetryable: true });
      return { detail: r.tail.slice(-500) || 'exit 0' };
    },

    /** Notes in the release that every step passed (a rollback to it needs no rebuild). */
    async markReleaseBuilt(input: { target: string; commit: string }): Promise<void> {
      const release = releasePath(targetOf(input.target).directory, input.commit);
      const marker = await readMarker(release);
      if (marker) await writeMarker(release, { ...marker, built: true });
    },

    /**
     * Removes a release this run created (compensation of checkout and promotion), unless an
     * environment's `current` points at it. Returns whether it removed anything.
     */
    async removeRelease(input: { target: string; commit: string; environment?: string }): Promise<boolean> {
      const t = targetOf(input.target);
      const directory = input.environment ? envOf(t, input.environment).directory : t.directory;
      const release = releasePath(directory, input.commit);
      const marker = await readMarker(release);
      if (!marker || marker.createdBy !== runId()) return false;
      for (const e of t.environments) if (e.release.kind === 'symlink' && e.directory === directory && (await currentCommit(e.directory)) === input.commit) return false;
      await fs.rm(release, { recursive: true, force: true });
      return true;
    },

    /** Copies the built release into an environment with a directory of its own. */
    async promoteRelease(input: { target: string; commit: string; environment: string }): Promise<boolean> {
      const t = targetOf(input.target);
      return heartbeating(() => promoteRelease(t.directory, envOf(t, input.environment).directory, input.commit));
    },

    /** The commit live in an environment: its `current` link, or (deploy hook) the last good deployment. */
    async currentRelease(input: { target: string; environment: string }): Promise<string | null> {
      const t = targetOf(input.target);
      const env = envOf(t, input.environment);
      if (env.release.kind === 'symlink') return currentCommit(env.directory);
      return (await store.goodReleases({ target: t.name })).live;
    },

    /**
     * Makes `commit` live in an environment (null: back to no release). Symlink: atomic switch,
     * then the restart command; hook: the call, then polling until live.
     */
    async switchRelease(input: { target: string; environment: string; ref: string; commit: string | null }): Promise<string> {
      const t = targetOf(input.target);
      const env = envOf(t, input.environment);
      const release = env.release;
      if (release.kind === 'symlink') {
        await switchSymlink(env.directory, input.commit);
        if (input.commit === null) return 'current removed: there was no release before';
        if (!release.restart) return `current → releases/${input.commit}`;
        const cwd = currentLink(env.directory);
        const r = await runArgv({ argv: release.restart.argv, cwd, env: stepEnvironment({ ...release.restart.env, ...deployEnv({ ...input, commit: input.commit }, cwd, env.name) }), timeoutMs: release.restart.timeoutMs });
        if (r.exitCode !== 0 || r.timedOut) throw ApplicationFailure.create({ type: 'RestartFailed', message: describeEnd('restart', r, release.restart.timeoutMs), nonRetryable: true });
        return `current → releases/${input.commit}; restarted`;
      }
      if (input.commit === null) return 'no earlier release to return to';
      const commit = input.commit;
      const called = await heartbeating(() => callHook(release, { target: t.name, environment: env.name, ref: input.ref, commit }));
      await pollUntilLive(release, async () => {
        if (release.statusUrl) return statusNamesCommit(release.statusUrl, commit);
        const results = await Promise.all(env.healthChecks.map((c) => probeTarget(probes, c)));
        const down = results.find((r) => r.status === 'down');
        return down ? `${down.target}: ${down.error}` : true;
      });
      return `${called}; ${commit.slice(0, 12)} is live`;
    },

    /** Keeps the environment's newest `keep` releases (and always the live and the previous one). */
    async pruneReleases(input: { target: string; environment: string; protect: (string | null)[] }): Promise<string[]> {
      const env = envOf(targetOf(input.target), input.environment);
      if (env.release.kind !== 'symlink') return [];
      return pruneReleases(env.directory, env.release.keep, input.protect);
    },

    async recordDeploymentStep(input: { deploymentId: number; step: DeploymentStepRecord }): Promise<void> {
      await store.recordDeploymentStep(input);
    },

    /**
     * Closes the record. A failure that no activity reported (a health check that stayed down)
     * is recorded here as an error event, its signature shared with SystemMonitor's.
     */
    async finishDeployment(input: {
      deploymentId: number;
      status: DeploymentStatus;
      failedStep?: string;
      /** Why it stopped (a cancel, a rejection, a block or an error). */
      errorMessage?: string;
      /** Only for a real failure: recorded as an error event unless an activity did. */
      error?: { type: string; message: string; fromActivity: boolean };
      rollback?: RollbackRecord;
    }): Promise<Omit<DeploymentRow, 'steps'> & { errorEventId?: number }> {
      let signature: string | undefined;
      let errorEventId: number | undefined;
      if (input.error && !input.error.fromActivity) {
        const { workflowExecution } = Context.current().info;
        signature = errorSignature(input.error.type, input.error.message);
        errorEventId = await store.recordErrorEvent({
          signature,
          errorType: input.error.type,
          message: input.error.message.slice(0, 10_000),
          context: { deploymentId: input.deploymentId, step: input.failedStep ?? null },
          source: 'DeploymentManager',
          agentId: 'DeploymentManager',
          workflowId: workflowExecution?.workflowId,
          dedupeKey: activityWriteId(),
        });
      }
      const row = await store.finishDeployment({ id: input.deploymentId, status: input.status, failedStep: input.failedStep, errorMessage: input.errorMessage ?? input.error?.message, errorSignature: signature, rollback: input.rollback });
      return { ...row, ...(errorEventId === undefined ? {} : { errorEventId }) };
    },
  };
}
