/** SystemMonitor's activities: probe a target, record a run's results. */
import { performance } from 'node:perf_hooks';
import { ApplicationFailure } from '@temporalio/common';
import { healthTargetSchema, type HealthCheckResult, type HealthTarget } from '../contracts/health';
import { parseInput } from '../contracts/validate';
import { isPermanentDatabaseError } from '../domain/database-errors';
import { errorSignature } from '../domain/error-signature';
import { failureCause } from '../domain/failure-cause';
import type { RecordedHealth } from '../memory/health';
import type { ActivityDeps } from './deps';
import { createProbes } from './health-probes';
import { activityWriteId } from './idempotency';

/** The error's message (or code, or name), followed by its direct cause's unless it says so already. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = failureCause(error, { depth: 1 });
    const code = (error as { code?: string }).code;
    const base = error.message || code || error.name;
    return cause && !base.includes(cause.message) ? `${base}: ${cause.message}` : base;
  }
  return String(error);
}

/** Runs the probe of `target`'s kind and times it; a down target is a result, never a thrown error. */
export async function probeTarget(
  probes: ReturnType<typeof createProbes>,
  target: HealthTarget,
): Promise<HealthCheckResult> {
  const started = performance.now();
  let error: string | undefined;
  try {
    await (probes[target.kind] as (t: HealthTarget) => Promise<void>)(target);
  } catch (e) {
    error = describe(e);
  }
  return {
    target: target.name,
    kind: target.kind,
    status: error === undefined ? 'up' : 'down',
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    ...(error === undefined ? {} : { error }),
    checkedAt: new Date().toISOString(),
  };
}

/** The failure type of results PostgreSQL refuses. */
export const UNSTORABLE_HEALTH_RESULTS = 'UnstorableHealthResults';

export function createMonitorActivities(
  { store, temporal, memoryDatabaseUrl }: ActivityDeps,
  healthTargets: HealthTarget[],
) {
  const probes = createProbes({ databaseUrl: memoryDatabaseUrl, temporal });
  return {
    /** The targets configured in `BRAINOPS_HEALTH_TARGETS` for this worker. */
    async configuredHealthTargets(): Promise<HealthTarget[]> {
      return healthTargets;
    },
    /** Probes one target; a down target is a result, never a thrown error. */
    async checkHealthTarget(raw: HealthTarget): Promise<HealthCheckResult> {
      return probeTarget(probes, parseInput(healthTargetSchema, raw, 'health target'));
    },
    /**
     * Stores results, transitions and error events of one run atomically. Results PostgreSQL
     * refuses (their data, not the connection) are a non-retryable `UnstorableHealthResults`.
     */
    async recordHealthResults(input: { results: HealthCheckResult[] }): Promise<RecordedHealth> {
      try {
        return await store.recordHealthChecks({ results: input.results, writeId: activityWriteId() });
      } catch (error) {
        if (!isPermanentDatabaseError(error)) throw error;
        throw ApplicationFailure.create({
          type: UNSTORABLE_HEALTH_RESULTS,
          message: `PostgreSQL refused the results: ${(error as { code?: string }).code} ${(error as Error).message}`,
          nonRetryable: true,
          cause: error as Error,
        });
      }
    },

    /**
     * Keeps the results of a run that could not be recorded in `unstored_records`, with the
     * reason, and records an error event for it (once per run).
     */
    async recordUnstoredHealthResults(input: { results: HealthCheckResult[]; reason: string }): Promise<void> {
      const writeId = activityWriteId();
      const workflowId = writeId.split('/').slice(0, -2).join('/');
      await store.recordUnstored({
        kind: 'health_results',
        dedupeKey: `health_results/${writeId}`,
        workflowId,
        reason: input.reason,
        payload: input.results,
      });
      const message = `SystemMonitor could not store the results of ${input.results.length} checks: ${JSON.stringify(input.reason).slice(1, 1001)}`;
      await store.recordErrorEvent({
        signature: errorSignature(UNSTORABLE_HEALTH_RESULTS, message),
        errorType: UNSTORABLE_HEALTH_RESULTS,
        message,
        context: { targets: input.results.map((r) => JSON.stringify(r.target).slice(1, -1)) },
        source: 'SystemMonitor',
        agentId: 'SystemMonitor',
        workflowId,
        activityType: 'recordHealthResults',
        dedupeKey: `unstored/${writeId}`,
      });
    },
  };
}
