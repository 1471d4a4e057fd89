/**
 * The erasure workflow's activities: one bounded batch of deletes (counted on the receipt in the
 * same statement, so a retried or resumed batch never counts a row twice), and closing the
 * receipt. Built from the injected store.
 */
import { Context } from '@temporalio/activity';
import type { ErasureBatch, ErasureOutcome } from '../contracts/erasure';
import type { ActivityDeps } from './deps';

/** How often a running batch heartbeats, ms (the workflow's heartbeat timeout is 10 s). */
const HEARTBEAT_MS = 2_000;

export function createErasureActivities(deps: Pick<ActivityDeps, 'store' | 'logger'>) {
  return {
    /**
     * Deletes at most `limit` of the subject's rows of one table; 0 when none is left. Heartbeats
     * while the statement runs, so a lost worker is noticed within the heartbeat timeout.
     */
    async eraseBatch(batch: ErasureBatch): Promise<number> {
      const beat = setInterval(() => Context.current().heartbeat(), HEARTBEAT_MS);
      try {
        return await deps.store.erasure.eraseBatch(batch);
      } finally {
        clearInterval(beat);
      }
    },

    /** Marks the erasure finished and returns its receipt, less whom and who asked (see {@link ErasureOutcome}). */
    async finishErasure(input: { erasureId: string }): Promise<ErasureOutcome> {
      const {
        userId: _userId,
        requestedBy: _requestedBy,
        ...outcome
      } = await deps.store.erasure.finishReceipt(input.erasureId);
      deps.logger.info({ erasureId: input.erasureId, counts: outcome.counts }, 'erasure finished');
      return outcome;
    },
  };
}
