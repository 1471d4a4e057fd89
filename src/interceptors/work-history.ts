/**
 * Records every activity execution in work history, and every failed attempt as an error event —
 * agent, action, input and output summaries, outcome, duration, workflow/run/activity ids,
 * attempt — so no activity does it by hand and no agent action goes unrecorded. The record is awaited (group-committed with others) before the
 * activity reports back, so a completed action is never missing from work history.
 */
import { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { agentForWorkflow } from '../agents';
import type { MemoryStore } from '../memory';
import { errorSignature } from '../domain/error-signature';
import { cutText } from '../domain/text-cut';

const SUMMARY_CHARS = 2000;

/** JSON of `value`, cut to 2000 characters (kept as a string when cut, never inside a surrogate pair). */
export function summarise(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return text.length <= SUMMARY_CHARS ? value : { truncated: true, preview: cutText(text, SUMMARY_CHARS) };
}

function ownerOf(args: unknown[]): { tenantId?: string; sessionId?: string } {
  const first = args[0];
  if (first && typeof first === 'object') {
    const { tenantId, sessionId } = first as Record<string, unknown>;
    return {
      tenantId: typeof tenantId === 'string' ? tenantId : undefined,
      sessionId: typeof sessionId === 'string' ? sessionId : undefined,
    };
  }
  return {};
}

/**
 * Every failed attempt is also an error event, with its signature; keyed by workflow, run,
 * activity and attempt, so recording it twice stores it once.
 */
async function captureError(
  store: MemoryStore,
  logger: Logger,
  failure: unknown,
  r: {
    agentId: string;
    action: string;
    workflowId: string;
    runId: string;
    activityId: string;
    attempt: number;
    input: unknown;
    tenantId?: string;
  },
): Promise<void> {
  const error = failure instanceof Error ? failure : new Error(String(failure));
  const errorType = (error as { type?: string }).type ?? error.name;
  await store.errorEvents
    .record({
      signature: errorSignature(errorType, error.message, error.stack),
      errorType,
      message: cutText(error.message, 10_000),
      stack: error.stack,
      context: { input: r.input },
      source: 'activity',
      agentId: r.agentId,
      workflowId: r.workflowId,
      activityType: r.action,
      attempt: r.attempt,
      tenantId: r.tenantId,
      dedupeKey: `${r.workflowId}/${r.runId}/${r.activityId}/${r.attempt}`,
    })
    .catch((e: unknown) => logger.error({ err: e, activity: r.action }, 'could not record error event'));
}

export function workHistoryInterceptor(store: MemoryStore, logger: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const info = ctx.info;
        const startedAt = new Date();
        const started = performance.now();
        let output: unknown;
        let failure: unknown;
        try {
          output = await next(input);
          return output;
        } catch (error) {
          failure = error;
          throw error;
        } finally {
          const record = {
            agentId: agentForWorkflow(info.workflowType ?? ''),
            action: info.activityType,
            input: summarise(input.args.length === 1 ? input.args[0] : input.args),
            output: failure === undefined ? summarise(output) : null,
            success: failure === undefined,
            error:
              failure === undefined
                ? undefined
                : failure instanceof Error
                  ? `${failure.name}: ${failure.message}`
                  : String(failure),
            durationMs: performance.now() - started,
            workflowId: info.workflowExecution?.workflowId ?? 'standalone',
            runId: info.workflowExecution?.runId ?? '-',
            activityId: info.activityId,
            attempt: info.attempt,
            ...ownerOf(input.args),
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
          };
          await store.workHistory.record(record).catch((error: unknown) => {
            logger.error({ err: error, activity: info.activityType }, 'could not record work history');
          });
          if (failure !== undefined) await captureError(store, logger, failure, record);
        }
      },
    };
    return { inbound };
  };
}
