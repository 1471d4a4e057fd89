/**
 * The live status of one error-learning run (the `status` query) and what its signals change: an
 * `occurrence` counts, `cleared` is an alert resolved (runs with an `alert`: verification waits for
 * every firing alert of the run to be cleared), and `resolve`, `retry` or `ignore` is a person's
 * answer to the escalation.
 */
import { condition, setHandler } from '@temporalio/workflow';
import {
  clearedSignal,
  ignoreSignal,
  occurrenceSignal,
  resolveSignal,
  retrySignal,
  statusQuery,
  type AlertRef,
  type ErrorLearningStatus,
  type HumanDecision,
} from '../contracts/error-learning-messages';

export class ErrorLearningState {
  /** Answered by the `status` query as it is, so every change shows at once. */
  readonly status: ErrorLearningStatus = { state: 'remediating', occurrences: 0, attempts: [] };
  /**
   * The person's latest answer, not yet acted on. One sent before the escalation is kept: the
   * escalation takes it at once.
   */
  private decision: HumanDecision | undefined;
  /** Fingerprints of the run's alerts still firing; undefined for a run of no alert. */
  private firing: Set<string> | undefined;

  /**
   * Registers the signal and query handlers; call before the first activity. `alert`: the run's
   * alert, firing from the start.
   */
  listen(alert?: AlertRef): void {
    if (alert) {
      this.firing = new Set([alert.fingerprint]);
      this.status.firingAlerts = [alert.fingerprint];
    }
    setHandler(occurrenceSignal, (o) => {
      const count = o?.count;
      this.status.occurrences += typeof count === 'number' && Number.isInteger(count) && count > 1 ? count : 1;
      if (this.firing && o?.fingerprint) this.setFiring(o.fingerprint, true);
    });
    setHandler(clearedSignal, (c) => {
      if (this.firing) this.setFiring(c.fingerprint, false);
    });
    setHandler(resolveSignal, (d) => void (this.decision = { kind: 'resolve', ...d }));
    setHandler(retrySignal, () => void (this.decision = { kind: 'retry' }));
    setHandler(ignoreSignal, (d) => void (this.decision = { kind: 'ignore', reason: d?.reason }));
    setHandler(statusQuery, () => this.status);
  }

  /** True when the run is an alert's and none of its alerts fires any more. */
  get cleared(): boolean {
    return this.firing !== undefined && this.firing.size === 0;
  }

  /** Waits up to `timeoutMs` (ms) for the run's alerts to be cleared; false when they still fire. */
  async awaitCleared(timeoutMs: number): Promise<boolean> {
    return condition(() => this.cleared, timeoutMs);
  }

  /**
   * Waits up to `timeoutMs` for a person's answer and takes it; `cleared` when the run's alerts
   * were resolved first, `undefined` when neither came in time.
   */
  async awaitDecision(timeoutMs: number): Promise<HumanDecision | 'cleared' | undefined> {
    if (!(await condition(() => this.decision !== undefined || this.cleared, timeoutMs))) return undefined;
    const decision = this.decision;
    if (decision === undefined) return 'cleared';
    this.decision = undefined;
    return decision;
  }

  private setFiring(fingerprint: string, firing: boolean): void {
    if (firing) this.firing!.add(fingerprint);
    else this.firing!.delete(fingerprint);
    this.status.firingAlerts = [...this.firing!];
  }
}
