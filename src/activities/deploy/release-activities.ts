/**
 * Releases in an environment: promote a build, switch `current` (or call the deploy hook and wait
 * until live), tell the live commit, remove a release this run made, and prune old ones.
 */
import fs from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps';
import { createProbes } from '../health-probes';
import { probeTarget } from '../system-monitor';
import { describeEnd, runArgv, stepEnvironment } from '../process/run-argv';
import { deployEnv, heartbeating, runId, type DeployTargets } from './activity-context';
import { readMarker, releasePath } from './git';
import {
  callHook,
  currentCommit,
  currentLink,
  pollUntilLive,
  promoteRelease,
  pruneReleases,
  statusNamesCommit,
  switchSymlink,
} from './release';

export function createReleaseActivities(
  { store, temporal, memoryDatabaseUrl }: ActivityDeps,
  { targetOf, envOf }: DeployTargets,
) {
  const probes = createProbes({ databaseUrl: memoryDatabaseUrl, temporal });

  return {
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
      for (const e of t.environments)
        if (
          e.release.kind === 'symlink' &&
          e.directory === directory &&
          (await currentCommit(e.directory)) === input.commit
        )
          return false;
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
      return (await store.deployments.goodReleases({ target: t.name })).live;
    },

    /**
     * Makes `commit` live in an environment (null: back to no release). Symlink: atomic switch,
     * then the restart command; hook: the call, then polling until live.
     */
    async switchRelease(input: {
      target: string;
      environment: string;
      ref: string;
      commit: string | null;
    }): Promise<string> {
      const t = targetOf(input.target);
      const env = envOf(t, input.environment);
      const release = env.release;
      if (release.kind === 'symlink') {
        await switchSymlink(env.directory, input.commit);
        if (input.commit === null) return 'current removed: there was no release before';
        if (!release.restart) return `current → releases/${input.commit}`;
        const cwd = currentLink(env.directory);
        const r = await runArgv({
          argv: release.restart.argv,
          cwd,
          env: stepEnvironment({
            ...release.restart.env,
            ...deployEnv({ ...input, commit: input.commit }, cwd, env.name),
          }),
          timeoutMs: release.restart.timeoutMs,
        });
        if (r.exitCode !== 0 || r.timedOut)
          throw ApplicationFailure.create({
            type: 'RestartFailed',
            message: describeEnd('restart', r, release.restart.timeoutMs),
            nonRetryable: true,
          });
        return `current → releases/${input.commit}; restarted`;
      }
      if (input.commit === null) return 'no earlier release to return to';
      const commit = input.commit;
      const called = await heartbeating(() =>
        callHook(release, { target: t.name, environment: env.name, ref: input.ref, commit }),
      );
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
  };
}
