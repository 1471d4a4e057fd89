/**
 * The pre-check of a deployment: a risk score (0..1) from the target's past deployments, with a
 * reason for every point of it. Pure, so the workflow's decision is explained by its input alone.
 *
 * What adds up (capped at 1):
 * - the same commit failed before                                        +0.6
 * - failures among the target's last 10 finished deployments             +0.3 × failure rate
 *   (cancelled, rejected and blocked ones, and those whose ref did not resolve, are not counted)
 * - failed deployments whose changed paths overlap this one's            +0.15 each, at most +0.3
 * - failed steps that this deployment runs again                         +0.05 each, at most +0.15
 */
import type { DeploymentPast } from '../contracts/deployment';

const FAILED = new Set(['failed', 'rolled_back', 'rollback_failed']);
/** Outcomes that say nothing about the code (a person stopped it, or the pre-check did). */
const NOT_JUDGED = new Set(['cancelled', 'rejected', 'blocked']);

/** The pre-check's finding. `signatures` are the error signatures of the failures it weighed. */
export interface RiskAssessment {
  risk: number;
  reasons: string[];
  signatures: string[];
}

export type PrecheckDecision = 'go' | 'approve' | 'block';

const short = (sha: string | null) => (sha ?? 'unknown').slice(0, 12);

export function assessRisk(input: { commit: string; steps: string[]; past: DeploymentPast }): RiskAssessment {
  const { past } = input;
  let risk = 0;
  const reasons: string[] = [];
  const signatures = new Set<string>();
  // A deployment that never resolved its ref (a typo) says nothing about the code either.
  const judged = past.recent.filter((d) => !NOT_JUDGED.has(d.status) && d.commit !== null);

  const sameCommit = judged.filter((d) => d.commit === input.commit && FAILED.has(d.status));
  if (sameCommit.length > 0) {
    risk += 0.6;
    const last = sameCommit[0]!;
    reasons.push(
      `commit ${short(input.commit)} failed before (${sameCommit.length}×; last: deployment ${last.id}${last.failedStep ? ` at ${last.failedStep}` : ''})`,
    );
  }

  const last10 = judged.slice(0, 10);
  const failures = last10.filter((d) => FAILED.has(d.status));
  if (failures.length > 0) {
    risk += 0.3 * (failures.length / last10.length);
    reasons.push(`${failures.length} of the last ${last10.length} deployments of this target failed`);
  }
  for (const d of judged.filter((d) => FAILED.has(d.status))) if (d.errorSignature) signatures.add(d.errorSignature);

  const touching = past.touchingPaths.filter((d) => d.commit !== input.commit);
  if (touching.length > 0) {
    risk += Math.min(0.3, 0.15 * touching.length);
    for (const d of touching.slice(0, 3)) {
      reasons.push(
        `deployment ${d.id} (${short(d.commit)}) changed ${d.overlap.slice(0, 3).join(', ')}${d.overlap.length > 3 ? ', …' : ''} too and failed${d.failedStep ? ` at ${d.failedStep}` : ''}`,
      );
      if (d.errorSignature) signatures.add(d.errorSignature);
    }
  }

  const failedSteps = new Map<string, number>();
  for (const d of judged)
    if (FAILED.has(d.status) && d.failedStep && input.steps.includes(d.failedStep))
      failedSteps.set(d.failedStep, (failedSteps.get(d.failedStep) ?? 0) + 1);
  if (failedSteps.size > 0) {
    risk += Math.min(0.15, 0.05 * [...failedSteps.values()].reduce((a, b) => a + b, 0));
    reasons.push(`steps that failed before run again: ${[...failedSteps].map(([s, n]) => `${s} (${n}×)`).join(', ')}`);
  }

  if (reasons.length === 0)
    reasons.push(
      judged.length === 0
        ? 'no earlier deployments of this target'
        : `none of the last ${Math.min(10, judged.length)} deployments of this target failed`,
    );
  return { risk: Math.round(Math.min(1, risk) * 100) / 100, reasons, signatures: [...signatures] };
}

/** The configured policy: block at or above `blockAt`, ask for approval at or above `approveAt`. */
export function precheckDecision(risk: number, policy: { approveAt: number; blockAt: number }): PrecheckDecision {
  if (risk >= policy.blockAt) return 'block';
  if (risk >= policy.approveAt) return 'approve';
  return 'go';
}
