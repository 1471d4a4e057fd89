/**
 * A multi-step remediation (a `sequence` action): each step is one registered action carried out
 * by its own activity, in order, so a worker crash resumes after the last finished step instead
 * of repeating it. Started by error-learning as a child workflow; stops at the first failed step.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { RemediationResult } from '../contracts/error-learning-messages';

const { applyRemediation } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

/** Input of {@link remediationSequenceWorkflow}: the sequence's name and its steps (action names). */
export interface RemediationSequenceInput {
  action: string;
  steps: string[];
  /** Passed to each step (a `workflow-reset` naming no workflow resets this one). */
  failedWorkflowId?: string;
}

/** Result: `ok` when every step succeeded; `detail` lists each step's outcome. */
export async function remediationSequenceWorkflow(input: RemediationSequenceInput): Promise<RemediationResult> {
  const outcomes: string[] = [];
  for (const [i, step] of input.steps.entries()) {
    const result = await applyRemediation({ action: step, params: {}, failedWorkflowId: input.failedWorkflowId });
    outcomes.push(`${i + 1}. ${step}: ${result.ok ? 'ok' : 'failed'} (${result.detail})`);
    if (!result.ok) return { ok: false, detail: outcomes.join('; ') };
  }
  return { ok: true, detail: outcomes.join('; ') };
}
