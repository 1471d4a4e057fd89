/**
 * SQL of SystemMonitor's results: the latest `health_check` entry per target, a `system_event`
 * per state transition and an error event per failing target, written in one transaction so a
 * retried activity neither loses nor doubles a transition.
 */
import type { Pool } from 'pg';
import type { HealthCheckResult, HealthTransition } from '../contracts/health';
import { errorSignature } from '../domain/error-signature';
import { parseInput } from '../contracts/validate';
import { selectEntry, upsertEntry } from './entries';
import { expiryFor, storeMemoryInputSchema, type StoreMemoryInput } from '../contracts/memory';
import { withTransaction } from './transaction';
import { insertErrorEvent } from './error-events';
import type { Connections } from './connections';

/** Key of the latest health_check entry of a target. */
export function healthKey(target: string): string {
  return `health/${target}`;
}

/** What a recorded run found: transitions, and an error event per failing target. */
export interface RecordedHealth {
  transitions: HealthTransition[];
  errors: { target: string; errorEventId: number; signature: string; errorType: string; message: string }[];
}

/** Records one SystemMonitor run atomically, keyed by `writeId`. */
export async function recordHealthChecks(
  pool: Pool,
  results: HealthCheckResult[],
  writeId: string,
): Promise<RecordedHealth> {
  return withTransaction(pool, async (client) => {
    const write = (input: StoreMemoryInput) => {
      const parsed = parseInput(storeMemoryInputSchema, input, 'memory entry');
      return upsertEntry(client, parsed, expiryFor(parsed.layer, parsed.expiresAt));
    };
    const transitions: HealthTransition[] = [];
    const errors: RecordedHealth['errors'] = [];
    for (const result of results) {
      const previous = await selectEntry(client, { key: healthKey(result.target), scope: 'global' }, { live: false });
      const from = ((previous?.value as HealthCheckResult | null)?.status ?? 'unknown') as HealthTransition['from'];
      await write({
        key: healthKey(result.target),
        value: result as never,
        title: `${result.target} is ${result.status}`,
        content: result.error ?? `${result.kind} check of ${result.target} passed in ${result.latencyMs} ms`,
        memoryType: 'health_check',
        layer: 'short_term',
        priority: result.status === 'down' ? 'high' : 'low',
        source: 'SystemMonitor',
        tags: ['health', result.kind],
        metadata: {
          lastChangeAt:
            from === result.status ? String(previous?.metadata.lastChangeAt ?? result.checkedAt) : result.checkedAt,
        },
        writeId: `${writeId}/${result.target}`,
      });
      if (from !== result.status && !(from === 'unknown' && result.status === 'up')) {
        const transition: HealthTransition = { target: result.target, from, to: result.status };
        transitions.push(transition);
        await write({
          key: `system-event/health/${result.target}/${result.checkedAt}`,
          value: { ...transition, error: result.error ?? null, checkedAt: result.checkedAt },
          title: `${result.target} went ${result.status}`,
          content: result.error ?? `${result.target} recovered`,
          memoryType: 'system_event',
          layer: 'long_term',
          priority: result.status === 'down' ? 'critical' : 'medium',
          importance: result.status === 'down' ? 0.9 : 0.6,
          source: 'SystemMonitor',
          tags: ['health', 'transition', result.target],
          writeId: `${writeId}/${result.target}/transition`,
        });
      }
      if (result.status === 'down') {
        const errorType = 'HealthCheckFailed';
        const message = `${result.kind} check of ${result.target} failed: ${result.error ?? 'down'}`;
        const signature = errorSignature(errorType, message);
        const errorEventId = await insertErrorEvent(client, {
          signature,
          errorType,
          message,
          context: {
            target: result.target,
            kind: result.kind,
            latencyMs: result.latencyMs,
            checkedAt: result.checkedAt,
          },
          source: 'SystemMonitor',
          agentId: 'SystemMonitor',
          dedupeKey: `${writeId}/${result.target}`,
        });
        errors.push({ target: result.target, errorEventId, signature, errorType, message });
      }
    }
    return { transitions, errors };
  });
}

/** SystemMonitor's health records (operator work). */
export function healthRepository(db: Connections) {
  return {
    /**
     * Records one SystemMonitor run: latest health per target, transitions as `system_event`
     * entries, failing targets as error events — atomically, keyed by `writeId`; results redacted.
     */
    recordChecks: (opts: { results: HealthCheckResult[]; writeId: string }): Promise<RecordedHealth> =>
      recordHealthChecks(db.operator, db.redact(opts.results), opts.writeId),
  };
}
export type HealthRepository = ReturnType<typeof healthRepository>;
