/** SystemMonitor's activities: probe a target, record a run's results. */
import { performance } from 'node:perf_hooks';
import { ApplicationFailure } from '@temporalio/common';
import {
  healthCheckRefSchema,
  healthTargetNamesSchema,
  healthTargetSchema,
  plannedHealthCheck,
  type HealthCheckRef,
  type HealthCheckResult,
  type HealthTarget,
  type PlannedHealthCheck,
} from '../contracts/health';
import type { ResolvedTarget } from '../contracts/deploy-target';
import { ValidationError } from '../contracts/errors';
import { parseInput } from '../contracts/validate';
import { isPermanentDatabaseError } from '../domain/database-errors';
import { errorSignature } from '../domain/error-signature';
import { redactText } from '../domain/redact';
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
  secrets: readonly string[] = [],
): Promise<HealthCheckResult> {
  const started = performance.now();
  let error: string | undefined;
  try {
    await (probes[target.kind] as (t: HealthTarget) => Promise<void>)(target);
  } catch (e) {
    // The result goes to workflow history, entries, error events and escalations: never a secret.
    error = redactText(describe(e), secrets);
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

/** What SystemMonitor's activities take from the configuration. */
export interface MonitorSettings {
  healthTargets: HealthTarget[];
  /** `BRAINOPS_ALLOW_AD_HOC_TARGETS`: whole targets in a workflow's input are checked too. */
  allowAdHocTargets: boolean;
  /** Deployment targets, whose environments' checks a deployment names. */
  deployTargets: Record<string, ResolvedTarget>;
}

function unknownTarget(field: string, message: string): ValidationError {
  return new ValidationError('health target', [{ field, message }]);
}

/**
 * Resolves a workflow's reference to a check from the configuration.
 * @throws ValidationError (non-retryable) for a name that is not configured, or an ad-hoc target
 *   the operator did not allow.
 */
export function resolveHealthCheck(settings: MonitorSettings, raw: unknown): HealthTarget {
  const ref: HealthCheckRef = parseInput(healthCheckRefSchema, raw, 'health target');
  if (ref.adHoc !== undefined) {
    if (!settings.allowAdHocTargets)
      throw unknownTarget('adHoc', 'ad-hoc health targets are off (BRAINOPS_ALLOW_AD_HOC_TARGETS)');
    return parseInput(healthTargetSchema, ref.adHoc, 'health target');
  }
  if (ref.deployment) {
    const target = settings.deployTargets[ref.deployment.target];
    const env = target?.environments.find((e) => e.name === ref.deployment!.environment);
    const check = env?.healthChecks.find((c) => c.name === ref.name);
    if (!check)
      throw unknownTarget(
        'name',
        `"${ref.name}" is not a health check of deployment target ${JSON.stringify(ref.deployment.target)}, environment ${JSON.stringify(ref.deployment.environment)}`,
      );
    return check;
  }
  const found = settings.healthTargets.find((t) => t.name === ref.name);
  if (!found) {
    const known = settings.healthTargets.map((t) => t.name);
    throw unknownTarget(
      'name',
      `"${ref.name}" is not a configured health target (configured: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  return found;
}

/**
 * The checks of one SystemMonitor run: the configured targets, the named ones, or — only with
 * `BRAINOPS_ALLOW_AD_HOC_TARGETS` — whole targets given in the input (whose names may not shadow
 * a configured one). Only names, kinds and timeouts go back to the workflow.
 */
export function planHealthChecks(settings: MonitorSettings, targets: unknown): PlannedHealthCheck[] {
  if (targets === undefined || targets === null) return settings.healthTargets.map(plannedHealthCheck);
  if (!Array.isArray(targets)) throw unknownTarget('targets', 'expected an array of target names');
  const names = targets.filter((t) => typeof t === 'string');
  if (names.length === targets.length) {
    return parseInput(healthTargetNamesSchema, names, 'health targets').map((name) =>
      plannedHealthCheck(resolveHealthCheck(settings, { name })),
    );
  }
  if (!settings.allowAdHocTargets) {
    throw unknownTarget(
      'targets',
      'health targets are named, not described: give the names of configured targets (ad-hoc targets are off, BRAINOPS_ALLOW_AD_HOC_TARGETS)',
    );
  }
  return targets.map((t, i) => {
    if (typeof t === 'string') return plannedHealthCheck(resolveHealthCheck(settings, { name: t }));
    const target = parseInput(healthTargetSchema, t, `health target ${i}`);
    if (settings.healthTargets.some((c) => c.name === target.name))
      throw unknownTarget(`${i}.name`, `an ad-hoc target may not take the name of configured target "${target.name}"`);
    return { ...plannedHealthCheck(target), adHoc: true };
  });
}

export function createMonitorActivities(
  { store, temporal, memoryDatabaseUrl, secrets }: ActivityDeps,
  settings: MonitorSettings,
) {
  const probes = createProbes({ databaseUrl: memoryDatabaseUrl, temporal });
  return {
    /**
     * The checks of a run (see {@link planHealthChecks}): names, kinds and timeouts only. Without
     * an argument, the targets configured in `BRAINOPS_HEALTH_TARGETS`.
     */
    async configuredHealthTargets(input: { targets?: unknown } = {}): Promise<PlannedHealthCheck[]> {
      return planHealthChecks(settings, input.targets);
    },
    /**
     * Probes one check named by the workflow, resolved from the configuration; a down target is a
     * result, never a thrown error.
     */
    async checkHealthTarget(raw: HealthCheckRef): Promise<HealthCheckResult> {
      return probeTarget(probes, resolveHealthCheck(settings, raw), secrets);
    },
    /**
     * Stores results, transitions and error events of one run atomically. Results PostgreSQL
     * refuses (their data, not the connection) are a non-retryable `UnstorableHealthResults`.
     */
    async recordHealthResults(input: { results: HealthCheckResult[] }): Promise<RecordedHealth> {
      try {
        return await store.health.recordChecks({ results: input.results, writeId: activityWriteId() });
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
      await store.workHistory.recordUnstored({
        kind: 'health_results',
        dedupeKey: `health_results/${writeId}`,
        workflowId,
        reason: input.reason,
        payload: input.results,
      });
      const message = `SystemMonitor could not store the results of ${input.results.length} checks: ${JSON.stringify(input.reason).slice(1, 1001)}`;
      await store.errorEvents.record({
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
