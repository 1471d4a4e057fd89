/**
 * The embedding catch-up (ContextKeeper): embeds what was written since its cursor, batch after
 * batch, and waits a moment when nothing is waiting, so texts become semantically searchable
 * seconds after they are stored, without touching the write path. A schedule starts a run every
 * minute (each run goes on for just under a minute); a run by hand with `untilCaughtUp` embeds
 * everything the configured model has not embedded yet — after a model change, all of memory —
 * and continues as new on long backlogs. The cursor lives in the database, so a run that stops
 * anywhere (a worker killed, a run terminated) is resumed by the next one.
 */
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { EmbeddingCatchUpInput, EmbeddingCatchUpResult } from '../contracts/embedding';

/** The activity, heartbeating after every request to the embedder: a lost worker is noticed within the timeout. */
function activities(heartbeatTimeoutMs: number) {
  return proxyActivities<ReturnType<typeof createActivities>>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: { maximumInterval: '30s', maximumAttempts: 10 },
  });
}

/** Events of one run before it continues as new, well under Temporal's 51,200-event limit. */
const MAX_HISTORY_EVENTS = 10_000;

export async function embeddingCatchUpWorkflow(input: EmbeddingCatchUpInput = {}): Promise<EmbeddingCatchUpResult> {
  const {
    maxRunMs = 55_000,
    batchSize = 256,
    idleMs = 2_000,
    untilCaughtUp = false,
    heartbeatTimeoutMs = 45_000,
  } = input;
  const { embedPending } = activities(heartbeatTimeoutMs);
  const deadline = Date.now() + maxRunMs;
  const done: EmbeddingCatchUpResult = { model: null, entries: 0, messages: 0, batches: 0, caughtUp: false };
  let resume = true;
  while (untilCaughtUp || Date.now() < deadline) {
    const batch = await embedPending({ limit: batchSize, resume });
    resume = false;
    Object.assign(done, { model: batch.model, caughtUp: batch.caughtUp });
    done.entries += batch.entries;
    done.messages += batch.messages;
    done.batches++;
    if (batch.caughtUp && (untilCaughtUp || batch.model === null)) break;
    if (workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      if (untilCaughtUp) await continueAsNew<typeof embeddingCatchUpWorkflow>(input);
      break;
    }
    if (batch.caughtUp) await sleep(Math.min(idleMs, Math.max(0, deadline - Date.now())));
  }
  return done;
}
