/**
 * What the deployment activities share: their targets looked up by name in this worker's
 * configuration (a workflow can only name one), the environment a deployment's commands run in,
 * heartbeating, and the identity of the calling run.
 */
import { Context } from '@temporalio/activity';
import type { BrainOpsConfig } from '../../../temporal.config';
import type { ResolvedEnvironment, ResolvedTarget } from '../../contracts/deploy-target';
import { ValidationError } from '../../contracts/errors';
import { HEARTBEAT_MS } from '../process/run-argv';

/** Identifies a deployment's release: target, ref, commit. */
export interface ReleaseRef {
  target: string;
  ref: string;
  commit: string;
}

/** The configured targets, by name. */
export interface DeployTargets {
  /** @throws ValidationError naming the configured targets when there is no target `name`. */
  targetOf(name: string): ResolvedTarget;
  /** @throws ValidationError when target `t` has no environment `name`. */
  envOf(t: ResolvedTarget, name: string): ResolvedEnvironment;
}

export function deployTargets(deploy: BrainOpsConfig['deploy']): DeployTargets {
  return {
    targetOf(name) {
      const target = deploy.targets[name];
      if (!target) {
        const known = Object.keys(deploy.targets);
        throw new ValidationError('deployment', [
          {
            field: 'target',
            message: `"${name}" is not a configured deployment target (configured: ${known.length ? known.join(', ') : 'none'})`,
          },
        ]);
      }
      return target;
    },
    envOf(t, name) {
      const env = t.environments.find((e) => e.name === name);
      if (!env)
        throw new ValidationError('deployment', [
          { field: 'environment', message: `target ${t.name} has no environment "${name}"` },
        ]);
      return env;
    },
  };
}

/** The variables a build step, an undo or a restart command sees about the deployment. */
export function deployEnv(r: ReleaseRef, cwd: string, environment?: string): Record<string, string> {
  return {
    BRAINOPS_DEPLOY_TARGET: r.target,
    BRAINOPS_DEPLOY_REF: r.ref,
    BRAINOPS_DEPLOY_COMMIT: r.commit,
    BRAINOPS_RELEASE_DIR: cwd,
    ...(environment ? { BRAINOPS_DEPLOY_ENVIRONMENT: environment } : {}),
  };
}

/**
 * Runs `fn` heartbeating. The workflow gives these activities a heartbeat timeout
 * (`heartbeatTimeoutMs`), which Temporal counts from the attempt's start (Temporal docs, "Detecting
 * Activity failures"): a clone, copy or hook call longer than that would otherwise be taken for a
 * lost worker and started again beside itself.
 */
export async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}

/** `<workflow id>/<run id>` of the calling run: who created a release. */
export function runId(): string {
  const { workflowExecution } = Context.current().info;
  return `${workflowExecution?.workflowId ?? 'standalone'}/${workflowExecution?.runId ?? '-'}`;
}
