/**
 * The activities of the session workflow, with their timeouts and retries, and how it words a
 * refused input. Workflow code: activities are imported as types only.
 */
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { utf8Bytes } from '../contracts/limits';
import type { MessageInput, SendMessageResult } from '../contracts/session';

/** UTF-8 JSON bytes of messages per store activity (Temporal's payload limit is 2 MB). */
const BATCH_BYTES = 1024 * 1024;
import type { createActivities } from '../activities';

/** The lifecycle's activities (open, tasks, handoffs, snapshots, end, reads). */
export const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});
/**
 * Opening the session's row: a local activity (one statement; retried with backoff while the
 * database is unreachable, as the regular activities are).
 */
export const localActs = proxyLocalActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});
/**
 * The persistence activities: transient failures (connection errors, timeouts) are retried for as
 * long as it takes; data PostgreSQL refuses is quarantined by the activity itself, and bad input
 * (`ValidationError`) is never retried.
 */
export const persistActs = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', nonRetryableErrorTypes: ['ValidationError'] },
});
/** Storing messages an older client sent to the run: retried while the database is unreachable. */
export const messageActs = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['ValidationError', 'SessionEnded', 'NotFound'],
  },
});

/** "field: reason; …" of a zod error, `what` naming the input as a whole. */
export function issuesText(error: { issues: { path: PropertyKey[]; message: string }[] }, what: string): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || what}: ${i.message}`).join('; ');
}

export function invalid(
  error: { issues: { path: PropertyKey[]; message: string }[] },
  what: string,
): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Invalid ${what}: ${issuesText(error, what)}`, 'ValidationError');
}

/**
 * Messages an older client sent to the run (messages as data), waiting to be stored in arrival
 * order: one activity at a time stores everything waiting, through the statement that stores the
 * API's messages, each keyed by its `messageId` (a redelivery or resend is stored once). The run
 * accepted them while active, so they are stored even if the end commits first.
 */
export class MessageInbox {
  private readonly waiting: {
    message: MessageInput & { messageId: string };
    done: (r: SendMessageResult | Error) => void;
  }[] = [];
  private storing = false;

  constructor(
    private readonly key: { tenantId: string; sessionId: string },
    /** True once the session's row is open (a message to it can be stored). */
    private readonly opened: () => boolean,
    private readonly maxBatch: number,
  ) {}

  /** Nothing waiting and nothing being stored. */
  get empty(): boolean {
    return !this.storing && this.waiting.length === 0;
  }

  /** Stores `message` after those before it; answers as the API would. */
  store(message: MessageInput & { messageId: string }): Promise<SendMessageResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (!this.storing) void this.drain();
    });
  }

  /** How many waiting messages the next activity takes: at most `maxBatch` and 1 MiB of JSON, at least one. */
  private batchSize(): number {
    let bytes = 0;
    let n = 0;
    while (n < Math.min(this.maxBatch, this.waiting.length)) {
      bytes += utf8Bytes(JSON.stringify(this.waiting[n]!.message));
      if (n > 0 && bytes > BATCH_BYTES) break;
      n++;
    }
    return n;
  }

  private async drain(): Promise<void> {
    this.storing = true;
    try {
      await condition(this.opened);
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.batchSize());
        try {
          const results = await messageActs.storeSessionMessages({
            ...this.key,
            workflowId: workflowInfo().workflowId,
            messages: batch.map((b) => b.message),
          });
          batch.forEach((b, i) => {
            const r = results[i]!;
            b.done('refused' in r ? ApplicationFailure.nonRetryable(r.message, r.refused) : r);
          });
        } catch (error) {
          for (const b of batch) b.done(error as Error);
        }
      }
    } finally {
      this.storing = false;
    }
  }
}
