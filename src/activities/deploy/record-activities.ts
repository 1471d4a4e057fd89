/**
 * The deployment record: the target's plan, opening and closing the record, one deployment of a
 * target at a time, and each step's row.
 */
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { deploymentPlan, type DeploymentPlan } from '../../contracts/deploy-target';
import { errorSignature } from '../../domain/error-signature';
import type { DeploymentRow, DeploymentStatus, DeploymentStepRecord, RollbackRecord } from '../../memory';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import type { DeployTargets } from './activity-context';

/** Failure type of `waitForTarget` while another deployment of the target runs. */
export const TARGET_BUSY = 'TargetBusy';

export function createDeploymentRecordActivities(
  { store, temporal, namespace }: ActivityDeps,
  { targetOf }: DeployTargets,
) {
  const client = new Client({ connection: temporal, namespace });

  return {
    /** The named target as this worker configured it, without what may be secret (see {@link DeploymentPlan}). */
    async deploymentTarget(input: { target: string }): Promise<DeploymentPlan> {
      return deploymentPlan(targetOf(input.target));
    },

    /** Opens the deployment record of the calling workflow run; returns its id. */
    async openDeployment(input: {
      target: string;
      ref: string;
      kind: 'deploy' | 'rollback';
      startedBy: string;
    }): Promise<number> {
      const { workflowExecution } = Context.current().info;
      return store.deployments.open({
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
      for (const earlier of await store.deployments.earlierOpen({
        target: input.target,
        deploymentId: input.deploymentId,
      })) {
        const { status } = await client.workflow
          .getHandle(earlier.workflowId, earlier.runId)
          .describe()
          .catch(() => ({ status: { name: 'UNKNOWN' } }));
        if (status.name === 'RUNNING') {
          throw ApplicationFailure.retryable(
            `target ${input.target} is being deployed by ${earlier.workflowId} (deployment ${earlier.id}); waiting for it to finish`,
            TARGET_BUSY,
          );
        }
      }
      return `no other deployment of ${input.target} running`;
    },

    async recordDeploymentStep(input: { deploymentId: number; step: DeploymentStepRecord }): Promise<void> {
      await store.deployments.recordStep(input);
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
        errorEventId = await store.errorEvents.record({
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
      const row = await store.deployments.finish({
        id: input.deploymentId,
        status: input.status,
        failedStep: input.failedStep,
        errorMessage: input.errorMessage ?? input.error?.message,
        errorSignature: signature,
        rollback: input.rollback,
      });
      return { ...row, ...(errorEventId === undefined ? {} : { errorEventId }) };
    },
  };
}
