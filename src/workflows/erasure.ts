/**
 * Erasure of a data subject (a user of a tenant, or a whole tenant): table after table, in the
 * order of `ERASURE_TABLES`, one bounded batch after another until a batch deletes nothing, then
 * the receipt is closed. Whom it erases is on the receipt (opened before the start): neither this
 * workflow's history nor its activities' work history holds the user's id. Every batch is an
 * activity that commits on its own, so a worker killed anywhere resumes where the database
 * stands: deleted rows stay deleted, the rest is found again.
 */
import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  ERASURE_ENDPOINT_PERFORMANCE_PATCH,
  ERASURE_TABLES,
  type ErasureInput,
  type ErasureOutcome,
} from '../contracts/erasure';

/** A batch heartbeats while it runs: a killed worker's batch is retried elsewhere within 10 s. */
const { eraseBatch, finishErasure } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10s',
  retry: { maximumInterval: '30s' },
});

/** Events of one run before it continues as new, well under Temporal's 51,200-event limit. */
const MAX_HISTORY_EVENTS = 10_000;

export async function erasureWorkflow(input: ErasureInput): Promise<ErasureOutcome> {
  const { erasureId, batchSize = 500 } = input;
  const withEndpoints = patched(ERASURE_ENDPOINT_PERFORMANCE_PATCH);
  for (const table of ERASURE_TABLES) {
    if (table === 'endpoint_performance' && !withEndpoints) continue;
    for (;;) {
      const deleted = await eraseBatch({ erasureId, table, limit: batchSize });
      if (deleted === 0) break;
      // Tables already cleared cost one empty batch each in the next run.
      if (workflowInfo().historyLength > MAX_HISTORY_EVENTS) await continueAsNew<typeof erasureWorkflow>(input);
    }
  }
  return finishErasure({ erasureId });
}
