/**
 * What `errorLearningWorkflow` accepts, answers and is sent: its input, its signals (`occurrence`,
 * `cleared`, `resolve`, `retry`, `ignore`) and its `status` query, declared once for the workflow, the
 * activities that start it, the client and the `temporal` CLI
 * (`temporal workflow signal --workflow-id error-learning/… --name ignore`), with the shapes its
 * activities return (candidates, remediation results).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HealthCheckRef } from './health';
import type { Remediation } from './remediation';

/** Workflow type of error-learning, for callers that start it by name (activities may not import workflows). */
export const ERROR_LEARNING_WORKFLOW_TYPE = 'errorLearningWorkflow';

/** A solution error-learning may apply, with its confidence (similarity × track record). */
export interface Candidate {
  solutionId?: number;
  problemSignature: string;
  action: string;
  /** The action's kind: a `sequence` runs as a child workflow of its `steps`. */
  kind: Remediation['kind'];
  steps?: string[];
  params: Record<string, unknown>;
  similarity: number;
  confidence: number;
  origin: 'knowledge base' | 'configured for the target' | 'configured for the alert';
}

/** What carrying out one remediation gave. */
export interface RemediationResult {
  ok: boolean;
  /** What happened, for the decision log (output tail or HTTP status). */
  detail: string;
}

/** Input of {@link errorLearningWorkflow}. */
export interface ErrorLearningInput {
  signature: string;
  errorType: string;
  message: string;
  source: string;
  errorEventId?: number;
  /** The workflow whose failure this is: a `workflow-reset` naming no workflow resets it. */
  failedWorkflowId?: string;
  /**
   * The failing health check, by name (resolved from the worker's configuration): verification
   * re-checks it. Anything else a caller puts here is ignored.
   */
  target?: HealthCheckRef;
  /**
   * The Alertmanager alert this error is: the remediation configured for its name
   * (`BRAINOPS_ALERT_REMEDIATIONS`) is a candidate, and a remediation counts as verified once every
   * firing alert of the run has been reported resolved (`cleared` signals) within `verifyTimeoutMs`.
   */
  alert?: AlertRef;
  /** Apply automatically at or above this confidence. @defaultValue 0.5 */
  autoConfidence?: number;
  /** ms an escalation waits for a person. @defaultValue 24 h */
  escalationTimeoutMs?: number;
  /** Verification checks of the target after a remediation, 1 s apart. @defaultValue 5 */
  verifyAttempts?: number;
}

/** An alert an error-learning run verifies by: its name, and the fingerprint of the firing alert. */
export interface AlertRef {
  /** The `alertname` label. */
  name: string;
  /** Alertmanager's fingerprint of the alert (a hash of its labels). */
  fingerprint: string;
  /** ms a remediation's verification waits for the alert to be resolved. @defaultValue 15 min */
  verifyTimeoutMs?: number;
}

/** A person's answer to an escalation. */
export type HumanDecision =
  | { kind: 'resolve'; action: string; params?: Record<string, unknown>; description?: string }
  | { kind: 'retry' }
  | { kind: 'ignore'; reason?: string };

/**
 * Occurrences of the signature: `count` of them (default 1), as a batch of identical errors
 * reported at once (an OpenTelemetry export) arrives as one signal; an alert's (`fingerprint`)
 * is firing again until a `cleared` names it.
 */
export const occurrenceSignal =
  defineSignal<[{ errorEventId?: number; fingerprint?: string; count?: number }]>('occurrence');
/**
 * Outside evidence that the error stopped: Alertmanager reported the alert of `fingerprint`
 * resolved. Verification of a run with an `alert` waits for it.
 */
export const clearedSignal = defineSignal<[{ fingerprint: string; source: string }]>('cleared');
export const resolveSignal =
  defineSignal<[{ action: string; params?: Record<string, unknown>; description?: string }]>('resolve');
export const retrySignal = defineSignal('retry');
export const ignoreSignal = defineSignal<[{ reason?: string }?]>('ignore');

export interface ErrorLearningStatus {
  state: 'remediating' | 'escalated' | 'resolved' | 'ignored' | 'unresolved';
  occurrences: number;
  attempts: {
    action: string;
    solutionId?: number;
    confidence: number;
    ok: boolean;
    verified: boolean;
    detail: string;
  }[];
  /**
   * What resolved it: a solution applied automatically, a person's fix, or (`by: 'alert'`, action
   * `alert resolved`) its alert resolving while the run waited for a person, with nothing learned.
   */
  resolvedBy?: { solutionId?: number; action: string; by: 'automation' | 'person' | 'alert' };
  /** Fingerprints of the run's alerts still firing (runs with an `alert` only). */
  firingAlerts?: string[];
  /** Why the last answer of a person could not be carried out (an unregistered action, say). */
  lastRejectedAnswer?: string;
}
export const statusQuery = defineQuery<ErrorLearningStatus>('status');
