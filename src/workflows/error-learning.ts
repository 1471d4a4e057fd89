/**
 * Error-learning for one error signature (seed 004 "on error", seed 000 "On Error"): candidate
 * solutions → apply the best one whose confidence reaches the threshold → verify → record the
 * outcome → next candidate → escalate and wait for a person (`resolve`, `retry`, `ignore`).
 * One workflow per signature in flight (id `error-learning/<hash>`); further occurrences arrive
 * as `occurrence` signals and are counted, so a storm of one error starts one remediation.
 */
import { ActivityFailure, condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { HealthTarget } from '../shared/health';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s', maximumAttempts: 5 } });
const remediation = proxyActivities<Activities>({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '30s', retry: { maximumAttempts: 1 } });

/** Input of {@link errorLearningWorkflow}. */
export interface ErrorLearningInput {
  signature: string;
  errorType: string;
  message: string;
  source: string;
  errorEventId?: number;
  /** The failing health target: verification re-checks it. */
  target?: HealthTarget;
  /** Apply automatically at or above this confidence. @defaultValue 0.5 */
  autoConfidence?: number;
  /** ms an escalation waits for a person. @defaultValue 24 h */
  escalationTimeoutMs?: number;
  /** Verification checks of the target after a remediation, 1 s apart. @defaultValue 5 */
  verifyAttempts?: number;
}

/** A person's answer to an escalation. */
export type HumanDecision =
  | { kind: 'resolve'; action: string; params?: Record<string, unknown>; description?: string }
  | { kind: 'retry' }
  | { kind: 'ignore'; reason?: string };

export const occurrenceSignal = defineSignal<[{ errorEventId?: number }]>('occurrence');
export const resolveSignal = defineSignal<[{ action: string; params?: Record<string, unknown>; description?: string }]>('resolve');
export const retrySignal = defineSignal('retry');
export const ignoreSignal = defineSignal<[{ reason?: string }?]>('ignore');

export interface ErrorLearningStatus {
  state: 'remediating' | 'escalated' | 'resolved' | 'ignored' | 'unresolved';
  occurrences: number;
  attempts: { action: string; solutionId?: number; confidence: number; ok: boolean; verified: boolean; detail: string }[];
  resolvedBy?: { solutionId?: number; action: string; by: 'automation' | 'person' };
  /** Why the last answer of a person could not be carried out (an unregistered action, say). */
  lastRejectedAnswer?: string;
}
export const statusQuery = defineQuery<ErrorLearningStatus>('status');

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

  const tried = new Set<string>();
  for (;;) {
    const candidates = await acts.findSolutions({ signature: input.signature, target: input.target?.name });
    for (const candidate of candidates) {
      const key = `${candidate.solutionId ?? 'configured'}:${candidate.action}`;
      if (tried.has(key) || candidate.confidence < threshold) continue;
      tried.add(key);
      await acts.recordDecision({
        decision: `apply remediation "${candidate.action}"`,
        confidence: candidate.confidence,
        patterns: [candidate.problemSignature],
        context: { signature: input.signature, origin: candidate.origin, similarity: candidate.similarity, occurrences: status.occurrences },
      });
      const applied = await remediation.applyRemediation({ action: candidate.action, params: candidate.params });
      const verified = applied.ok && (await verify());
      status.attempts.push({ action: candidate.action, solutionId: candidate.solutionId, confidence: candidate.confidence, ok: applied.ok, verified, detail: applied.detail });
      if (candidate.solutionId !== undefined) await acts.recordSolutionOutcome({ solutionId: candidate.solutionId, success: verified });
      await acts.recordDecision({ decision: `outcome of "${candidate.action}"`, outcome: verified ? 'resolved' : applied.ok ? 'not verified' : `failed: ${applied.detail}` });
      if (!verified) continue;
      // A configured remediation that worked becomes a solution in the knowledge base.
      const solutionId =
        candidate.solutionId ??
        (await acts.learnSolution({ signature: input.signature, action: candidate.action, description: `learned: "${candidate.action}" fixed ${input.message.slice(0, 200)}`, source: 'learned' }));
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
    // Reported only once recorded, so a caller that sees "escalated" finds the events escalated.
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
          action: d.action,
          params: d.params,
          description: d.description ?? `resolved by a person with "${d.action}"`,
          source: 'human',
        });
      } catch (error) {
        status.lastRejectedAnswer = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
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
