/**
 * Building a release: fetch and resolve the ref, check out `releases/<sha>`, run the configured
 * build steps in it (and their undos), and mark it built.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepOutcome } from '../../contracts/deployment';
import { gitRefSchema } from '../../contracts/deploy-target';
import { ValidationError } from '../../contracts/errors';
import { parseInput } from '../../contracts/validate';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import { describeEnd, runArgv, stepEnvironment, type ArgvResult } from '../process/run-argv';
import { deployEnv, heartbeating, runId, type DeployTargets, type ReleaseRef } from './activity-context';
import { changedPaths, checkoutRelease, fetchAndResolve, readMarker, releasePath, writeMarker } from './git';

/** The failure type of a step that did not exit 0; its details hold a {@link StepOutcome}. */
export const STEP_FAILED = 'DeployStepFailed';

/**
 * Where a build step's result waits until the deployment record has it: one file per activity
 * (its write id, the same on every retry) under `<target directory>/step-results/`. A retry after
 * a failed write finds the file and writes again instead of running the step again.
 */
function stepResultFile(directory: string): string {
  const name = createHash('sha256').update(activityWriteId()).digest('hex').slice(0, 32);
  return path.join(directory, 'step-results', `${name}.json`);
}

interface StepResult {
  r: ArgvResult;
  startedAt: string;
  finishedAt: string;
}

async function readStepResult(file: string): Promise<StepResult | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as StepResult;
  } catch {
    return undefined;
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a result. */
async function writeStepResult(file: string, result: StepResult): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(result));
  await fs.rename(tmp, file);
}

export function createBuildActivities({ store }: ActivityDeps, { targetOf }: DeployTargets) {
  return {
    /**
     * Fetches the repository into the target's mirror and resolves `ref`; the paths it changes are
     * diffed against the live release (the last good deployment).
     */
    async fetchRef(input: {
      deploymentId: number;
      target: string;
      ref: string;
    }): Promise<{ commit: string; baseCommit: string | null; changedCount: number }> {
      const t = targetOf(input.target);
      parseInput(gitRefSchema, input.ref, 'deployment ref');
      return heartbeating(async () => {
        const commit = await fetchAndResolve(t.repository, t.directory, input.ref);
        const { live } = await store.deployments.goodReleases({ target: t.name });
        const paths = await changedPaths(t.directory, live, commit);
        await store.deployments.recordCommit({ id: input.deploymentId, commit, baseCommit: live, changedPaths: paths });
        // The paths (up to 2,000) stay in the record; the workflow's history gets their number.
        return { commit, baseCommit: live, changedCount: paths.length };
      });
    },

    /** `releases/<sha>` checked out at the commit; `created` when this run made it. */
    async checkoutRelease(input: {
      target: string;
      commit: string;
    }): Promise<{ path: string; created: boolean; built: boolean }> {
      const t = targetOf(input.target);
      const marker = await heartbeating(() => checkoutRelease(t.directory, input.commit, runId()));
      return {
        path: releasePath(t.directory, input.commit),
        created: marker.createdBy === runId(),
        built: marker.built,
      };
    },

    /**
     * Runs one configured build step in the release tree, heartbeating with its output tail, and
     * records it in the deployment. A step that does not exit 0 is a non-retryable
     * `DeployStepFailed` (its details: the outcome); a lost worker makes Temporal retry it. The
     * result is kept on disk until the record has it, so a failed write is retried without running
     * the step again.
     */
    async runDeployStep(input: ReleaseRef & { deploymentId: number; seq: number; step: string }): Promise<StepOutcome> {
      const t = targetOf(input.target);
      const step = t.steps.find((s) => s.name === input.step);
      if (!step)
        throw new ValidationError('deployment', [
          { field: 'step', message: `target ${t.name} has no step "${input.step}"` },
        ]);
      const cwd = releasePath(t.directory, input.commit);
      // A step that ran to its end in an earlier attempt of this activity is not run again.
      const resultFile = stepResultFile(t.directory);
      let result = await readStepResult(resultFile);
      if (!result) {
        const startedAt = new Date().toISOString();
        const r = await runArgv({
          argv: step.argv,
          cwd,
          env: stepEnvironment({ ...step.env, ...deployEnv(input, cwd) }),
          timeoutMs: step.timeoutMs,
        });
        result = { r, startedAt, finishedAt: new Date().toISOString() };
        // A cancelled step is not kept: a cancelled activity is not retried.
        if (!r.cancelled) await writeStepResult(resultFile, result);
      }
      const { r, startedAt, finishedAt } = result;
      const outcome: StepOutcome = {
        exitCode: r.exitCode,
        durationMs: r.durationMs,
        tail: r.tail,
        outputBytes: r.outputBytes,
      };
      const ok = r.exitCode === 0 && !r.timedOut && !r.cancelled;
      const message = ok ? undefined : describeEnd(`step ${step.name}`, r, step.timeoutMs);
      await store.deployments.recordStep({
        deploymentId: input.deploymentId,
        step: {
          seq: input.seq,
          name: step.name,
          status: ok ? 'succeeded' : r.cancelled ? 'cancelled' : 'failed',
          exitCode: r.exitCode,
          durationMs: r.durationMs,
          logTail: r.tail,
          error: message,
          startedAt,
          finishedAt,
        },
      });
      await fs.rm(resultFile, { force: true });
      if (r.cancelled) throw new CancelledFailure(message!, [outcome]);
      if (!ok)
        throw ApplicationFailure.create({
          type: STEP_FAILED,
          message: message!,
          nonRetryable: true,
          details: [outcome],
        });
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
      const r = await runArgv({
        argv: step.compensate,
        cwd,
        env: stepEnvironment({ ...step.env, ...deployEnv(input, cwd) }),
        timeoutMs: step.timeoutMs,
      });
      if (r.exitCode !== 0 || r.timedOut)
        throw ApplicationFailure.create({
          type: 'CompensationFailed',
          message: describeEnd(`undo of ${step.name}`, r, step.timeoutMs),
          nonRetryable: true,
        });
      return { detail: r.tail.slice(-500) || 'exit 0' };
    },

    /** Notes in the release that every step passed (a rollback to it needs no rebuild). */
    async markReleaseBuilt(input: { target: string; commit: string }): Promise<void> {
      const release = releasePath(targetOf(input.target).directory, input.commit);
      const marker = await readMarker(release);
      if (marker) await writeMarker(release, { ...marker, built: true });
    },
  };
}
