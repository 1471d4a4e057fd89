/**
 * The live status of one error-learning run (the `status` query) and what its signals change: an
 * `occurrence` counts, and `resolve`, `retry` or `ignore` is a person's answer to the escalation.
 */
import { condition, setHandler } from '@temporalio/workflow';
import {
  ignoreSignal,
  occurrenceSignal,
  resolveSignal,
  retrySignal,
  statusQuery,
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

  /** Registers the signal and query handlers; call before the first activity. */
  listen(): void {
    setHandler(occurrenceSignal, (o) => {
      const count = o?.count;
      this.status.occurrences += typeof count === 'number' && Number.isInteger(count) && count > 1 ? count : 1;
    });
    setHandler(resolveSignal, (d) => void (this.decision = { kind: 'resolve', ...d }));
    setHandler(retrySignal, () => void (this.decision = { kind: 'retry' }));
    setHandler(ignoreSignal, (d) => void (this.decision = { kind: 'ignore', reason: d?.reason }));
    setHandler(statusQuery, () => this.status);
  }

  /** Waits up to `timeoutMs` for a person's answer and takes it; `undefined` when none came in time. */
  async awaitDecision(timeoutMs: number): Promise<HumanDecision | undefined> {
    if (!(await condition(() => this.decision !== undefined, timeoutMs))) return undefined;
    const decision = this.decision;
    this.decision = undefined;
    return decision;
  }
}
