/**
 * Error-learning for one error signature, started when an error is recorded: candidate
 * solutions → apply the best one whose confidence reaches the threshold → verify → record the
 * outcome → next candidate → escalate and wait for a person (`resolve`, `retry`, `ignore`).
 * One workflow per signature in flight (id `error-learning/<hash>`); further occurrences arrive
 * as `occurrence` signals and are counted, so a storm of one error starts one remediation.
 */
import { condition, executeChild, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  ignoreSignal,
  occurrenceSignal,
  resolveSignal,
  retrySignal,
  statusQuery,
  type Candidate,
  type ErrorLearningInput,
  type ErrorLearningStatus,
  type HumanDecision,
  type RemediationResult,
} from '../contracts/error-learning-messages';
import { activityFailureCause } from './activity-failure';
import { remediationSequenceWorkflow } from './remediation-sequence';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '10s', maximumAttempts: 5 },
});
const remediation = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

export async function errorLearningWorkflow(input: ErrorLearningInput): Promise<ErrorLearningStatus> {
  const threshold = input.autoConfidence ?? 0.5;
  const status: ErrorLearningStatus = { state: 'remediating', occurrences: 0, attempts: [] };
  let decision: HumanDecision | undefined;
  setHandler(occurrenceSignal, () => void status.occurrences++);
  setHandler(resolveSignal, (d) => void (decision = { kind: 'resolve', ...d }));
  setHandler(retrySignal, () => void (decision = { kind: 'retry' }));
  setHandler(ignoreSignal, (d) => void (decision = { kind: 'ignore', reason: d?.reason }));
  setHandler(statusQuery, () => status);

  const verify = async (): Promise<boolean> => {
    if (!input.target) return true;
    for (let i = 0; i < (input.verifyAttempts ?? 5); i++) {
      if ((await acts.checkHealthTarget(input.target)).status === 'up') return true;
      await sleep('1s');
    }
    return false;
  };

  // A sequence runs as a child workflow (one activity per step); anything else is one activity.
  let applications = 0;
  const apply = (candidate: Candidate): Promise<RemediationResult> =>
    candidate.kind === 'sequence'
      ? executeChild(remediationSequenceWorkflow, {
          workflowId: `${workflowInfo().workflowId}/remediation/${++applications}`,
          args: [{ action: candidate.action, steps: candidate.steps ?? [], failedWorkflowId: input.failedWorkflowId }],
        })
      : remediation.applyRemediation({
          action: candidate.action,
          params: candidate.params,
          failedWorkflowId: input.failedWorkflowId,
        });

  const tried = new Set<string>();
  for (;;) {
    const candidates = await acts.findSolutions({
      signature: input.signature,
      message: input.message,
      target: input.target?.name,
    });
    for (const candidate of candidates) {
      const key = `${candidate.solutionId ?? 'configured'}:${candidate.action}`;
      if (tried.has(key) || candidate.confidence < threshold) continue;
      tried.add(key);
      await acts.recordDecision({
        decision: `apply remediation "${candidate.action}"`,
        confidence: candidate.confidence,
        patterns: [candidate.problemSignature],
        context: {
          signature: input.signature,
          origin: candidate.origin,
          similarity: candidate.similarity,
          occurrences: status.occurrences,
        },
      });
      const applied = await apply(candidate);
      const verified = applied.ok && (await verify());
      status.attempts.push({
        action: candidate.action,
        solutionId: candidate.solutionId,
        confidence: candidate.confidence,
        ok: applied.ok,
        verified,
        detail: applied.detail,
      });
      if (candidate.solutionId !== undefined)
        await acts.recordSolutionOutcome({ solutionId: candidate.solutionId, success: verified });
      await acts.recordDecision({
        decision: `outcome of "${candidate.action}"`,
        outcome: verified ? 'resolved' : applied.ok ? 'not verified' : `failed: ${applied.detail}`,
      });
      if (!verified) continue;
      // A configured remediation that worked becomes a solution in the knowledge base.
      const solutionId =
        candidate.solutionId ??
        (await acts.learnSolution({
          signature: input.signature,
          message: input.message,
          action: candidate.action,
          description: `learned: "${candidate.action}" fixed ${input.message.slice(0, 200)}`,
          source: 'learned',
        }));
      await acts.markErrors({ signature: input.signature, status: 'resolved', solutionId });
      status.state = 'resolved';
      status.resolvedBy = { solutionId, action: candidate.action, by: 'automation' };
      return status;
    }

    await acts.escalate({
      signature: input.signature,
      message: input.message,
      occurrences: status.occurrences,
      tried: status.attempts.map((a) => a.action),
      workflowId: workflowInfo().workflowId,
    });
    await acts.markErrors({ signature: input.signature, status: 'escalated' });
    // Only now: a caller who sees `escalated` finds the escalation and the errors recorded.
    status.state = 'escalated';
    // Wait for a person; an answer that cannot be carried out is reported and waited on again.
    for (;;) {
      const answered = await condition(() => decision !== undefined, input.escalationTimeoutMs ?? 24 * 3600 * 1000);
      if (!answered) {
        status.state = 'unresolved';
        return status;
      }
      const d = decision!;
      decision = undefined;
      if (d.kind === 'retry') break;
      if (d.kind === 'ignore') {
        await acts.markErrors({ signature: input.signature, status: 'ignored' });
        status.state = 'ignored';
        return status;
      }
      let solutionId: number;
      try {
        solutionId = await acts.learnSolution({
          signature: input.signature,
          message: input.message,
          action: d.action,
          params: d.params,
          description: d.description ?? `resolved by a person with "${d.action}"`,
          source: 'human',
        });
      } catch (error) {
        status.lastRejectedAnswer = activityFailureCause(error)?.message ?? String(error);
        continue;
      }
      await acts.markErrors({ signature: input.signature, status: 'resolved', solutionId });
      status.state = 'resolved';
      status.resolvedBy = { solutionId, action: d.action, by: 'person' };
      return status;
    }
    status.state = 'remediating';
    tried.clear();
  }
}
