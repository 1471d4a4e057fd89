/**
 * DeploymentManager's deployment of one ref of a target, when code changes: fetch and resolve the
 * ref → memory-aware pre-check (risk from past deployments; the target's policy goes on, asks for
 * approval or blocks) → check out `releases/<sha>` → build steps in order → per environment:
 * approval gate, release, verification → done. The phases live in `deployment-phases.ts`.
 *
 * A saga (Temporal docs, "Saga pattern"): every step that changes the world registers its
 * compensation first; on any failure, cancel or rejection they run in reverse (a released
 * environment returns to its previous release, which is verified). Durable: a worker lost mid-step
 * is replaced and the step retried; completed steps are never run again (they are in the history).
 */
import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeploymentStatus } from '../contracts/deployment';
import type { DeploymentInput } from '../contracts/deployment-messages';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import { stoppedBy, type Failure } from './deployment-failure';
import {
  build,
  checkOut,
  fetchRef,
  finish,
  openDeployment,
  preCheck,
  pruneOldReleases,
  releaseEnvironment,
  waitForTarget,
  type DeploymentResult,
} from './deployment-phases';
import { DeploymentState } from './deployment-state';
import type { DeploymentContext } from './deployment-steps';

export type { DeploymentResult } from './deployment-phases';

export async function deploymentWorkflow(input: DeploymentInput): Promise<DeploymentResult> {
  const kind = input.kind ?? 'deploy';
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'DeploymentManager' }]);
  const state = new DeploymentState(input, kind);
  const work = new CancellationScope();
  state.listen(work);
  const ctx = await openDeployment(input, kind, state);

  let status: DeploymentStatus = 'succeeded';
  let failure: Failure | undefined;
  try {
    await work.run(() => deploy(ctx));
  } catch (error) {
    ({ status, failure } = stoppedBy(error, state.view.step, state.cancelled));
  }
  return CancellationScope.nonCancellable(() => finish(ctx, status, failure));
}

/** The deployment's phases, in order, inside the cancellable scope. */
async function deploy(ctx: DeploymentContext): Promise<void> {
  await waitForTarget(ctx);
  const { commit, baseCommit } = await fetchRef(ctx);
  if (ctx.kind === 'deploy') await preCheck(ctx, commit, baseCommit);
  const checkout = await checkOut(ctx, commit);
  await build(ctx, commit, checkout.built);
  for (const env of ctx.target.environments) await releaseEnvironment(ctx, env, commit);
  await pruneOldReleases(ctx, commit, baseCommit);
}
