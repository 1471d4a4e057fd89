/**
 * The live status of a deployment (the `status` query) and what its signals change: answers at an
 * approval gate, and a cancel, which cancels the deployment's work.
 */
import { condition, setHandler, workflowInfo, type CancellationScope } from '@temporalio/workflow';
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
import type { CancelRequest } from './deployment-failure';

/** A step shown in the live status; `seq` numbers its row in the deployment record. */
export interface ShownStep {
  shown: DeploymentStepView;
  seq: number;
  started: number;
}

export class DeploymentState {
  readonly view: DeploymentView;
  /** Set by the first `cancel` signal. */
  cancelled: CancelRequest | undefined;
  private answer: ApprovalAnswer | undefined;
  private seq = 0;

  constructor(input: DeploymentInput, kind: 'deploy' | 'rollback') {
    this.view = {
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
  }

  /** Answers the `status` query; `approve` and `reject` answer the open gate; `cancel` cancels `work`. */
  listen(work: CancellationScope): void {
    setHandler(deploymentStatusQuery, () => this.view);
    setHandler(approveSignal, (a) => this.answerGate(true, a));
    setHandler(rejectSignal, (a) => this.answerGate(false, a));
    setHandler(cancelSignal, (c) => {
      this.cancelled ??= { by: c?.by ?? 'unknown', reason: c?.reason ?? 'cancelled' };
      work.cancel();
    });
  }

  /** Shows a new step in the live status, numbered after the previous one. */
  newStep(name: string, environment?: string): ShownStep {
    const shown: DeploymentStepView = { name, environment, status: 'running', startedAt: new Date().toISOString() };
    this.view.steps.push(shown);
    this.view.step = name;
    this.view.environment = environment;
    this.view.stepStartedAt = shown.startedAt;
    return { shown, seq: ++this.seq, started: Date.now() };
  }

  /**
   * Shows `gate` as awaiting approval and waits up to `timeoutMs` for `approve` or `reject`; no
   * answer in time is a rejection by `timeout`. The answer is added to the status's approvals.
   * Call {@link closeGate} afterwards, whatever happened.
   */
  async awaitAnswer(gate: string, timeoutMs: number): Promise<{ answer: ApprovalAnswer; answered: boolean }> {
    this.view.state = 'awaiting-approval';
    this.view.awaitingApproval = gate;
    this.answer = undefined;
    const answered = await condition(() => this.answer !== undefined, timeoutMs);
    const answer = this.answer ?? { gate, approved: false, by: 'timeout', comment: `no answer within ${timeoutMs} ms` };
    this.view.approvals.push(answer);
    return { answer, answered };
  }

  /** The deployment runs on (no gate open). */
  closeGate(): void {
    this.view.awaitingApproval = undefined;
    this.view.state = 'running';
  }

  private answerGate(approved: boolean, a: { by?: string; comment?: string } | undefined): void {
    if (this.view.awaitingApproval)
      this.answer = { gate: this.view.awaitingApproval, approved, by: a?.by ?? 'unknown', comment: a?.comment };
  }
}
