/**
 * DeploymentManager from the client side: start a deployment or a rollback (one per target and
 * ref at a time), follow it (the `status` query plus the running step's live output from its
 * heartbeats), approve, reject, cancel. Which release a rollback goes back to, and the history,
 * are read from memory by the API.
 */
import { WorkflowExecutionAlreadyStartedError, defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Client as TemporalClient } from '@temporalio/client';
import { z } from 'zod';
import { text } from '../contracts/limits';
import type { BrainOpsConfig } from '../../temporal.config';
import { gitRefSchema } from '../contracts/deploy-target';
import { BrainOpsError, ValidationError } from '../contracts/errors';
import { deploymentWorkflowId, SEARCH_ATTRIBUTES } from '../contracts/names';
import { parseInput } from '../contracts/validate';
import { deploymentWorkflow } from '../workflows';
import {
  approveSignal,
  cancelSignal,
  deploymentStatusQuery,
  rejectSignal,
  type DeploymentView,
} from '../contracts/deployment-messages';

const startSchema = z.object({
  target: text(200, 1),
  ref: gitRefSchema,
  startedBy: text(200, 1).default('brainops'),
  /** Override the pre-check's block or approval gate (logged as overridden by `startedBy`). */
  force: z.boolean().default(false),
});
export type StartDeploymentInput = z.input<typeof startSchema>;

/** The live status with what only the client can add: elapsed time and the running step's output. */
export interface DeploymentStatusReport extends DeploymentView {
  /** ms since the deployment started (until now, or until it finished). */
  elapsedMs: number;
  /** ms the current step has been running. */
  stepElapsedMs?: number;
  /** Last 8 KiB of the running step's output, from its latest heartbeat. */
  liveLogTail?: string;
  /** RUNNING, COMPLETED, FAILED, … as Temporal reports it. */
  execution: string;
}

export class DeploymentsClient {
  constructor(
    private readonly temporal: TemporalClient,
    private readonly config: BrainOpsConfig,
  ) {}

  /** @throws ValidationError naming `target` when it is not a configured deployment target. */
  checkTarget(target: string): void {
    if (!this.config.deploy.targets[target]) {
      const known = Object.keys(this.config.deploy.targets);
      throw new ValidationError('deployment', [
        {
          field: 'target',
          message: `"${target}" is not a configured deployment target (configured: ${known.length ? known.join(', ') : 'none'}; see BRAINOPS_DEPLOY_TARGETS)`,
        },
      ]);
    }
  }

  /**
   * Starts `deploy/<target>/<ref>`.
   * @throws ValidationError for an unknown target or a bad ref; BrainOpsError `DeploymentAlreadyRunning`
   * when that ref of that target is being deployed now.
   */
  async start(
    input: StartDeploymentInput,
    kind: 'deploy' | 'rollback' = 'deploy',
  ): Promise<{ workflowId: string; runId: string }> {
    const s = parseInput(startSchema, input, 'deployment');
    this.checkTarget(s.target);
    const workflowId = deploymentWorkflowId(s.target, s.ref);
    try {
      const handle = await this.temporal.workflow.start(deploymentWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId,
        args: [{ target: s.target, ref: s.ref, startedBy: s.startedBy, kind, force: s.force }],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'DeploymentManager' }],
        memo: { target: s.target, ref: s.ref, startedBy: s.startedBy, kind },
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new BrainOpsError(
          'DeploymentAlreadyRunning',
          `${workflowId} is already running: follow it with \`brainops deploy status ${workflowId}\`, or cancel it`,
          false,
          { workflowId },
        );
      }
      throw error;
    }
  }

  /** The live status of a deployment (running or finished). */
  async status(workflowId: string): Promise<DeploymentStatusReport> {
    const handle = this.temporal.workflow.getHandle(workflowId);
    const [view, description] = await Promise.all([handle.query(deploymentStatusQuery), handle.describe()]);
    const now = description.closeTime?.getTime() ?? Date.now();
    const running = view.steps.at(-1)?.status === 'running' ? view.stepStartedAt : undefined;
    let liveLogTail: string | undefined;
    for (const pending of description.raw.pendingActivities ?? []) {
      const payload = pending.heartbeatDetails?.payloads?.[0];
      if (pending.activityType?.name === 'runDeployStep' && payload)
        liveLogTail = (defaultPayloadConverter.fromPayload(payload as Payload) as { tail?: string }).tail;
    }
    return {
      ...view,
      elapsedMs: now - Date.parse(view.startedAt),
      ...(running ? { stepElapsedMs: now - Date.parse(running) } : {}),
      ...(liveLogTail === undefined ? {} : { liveLogTail }),
      execution: description.status.name,
    };
  }

  approve(workflowId: string, by = 'brainops', comment?: string): Promise<void> {
    return this.temporal.workflow.getHandle(workflowId).signal(approveSignal, { by, comment });
  }

  reject(workflowId: string, by = 'brainops', comment?: string): Promise<void> {
    return this.temporal.workflow.getHandle(workflowId).signal(rejectSignal, { by, comment });
  }

  cancel(workflowId: string, by = 'brainops', reason?: string): Promise<void> {
    return this.temporal.workflow.getHandle(workflowId).signal(cancelSignal, { by, reason });
  }
}
