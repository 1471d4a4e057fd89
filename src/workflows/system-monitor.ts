/**
 * SystemMonitor's health-check run, started by its schedule (and by `brainops monitor run`):
 * every target is checked concurrently, each by its own activity bounded by the target's
 * timeout; then results, state transitions and errors are recorded in one transaction.
 */
import { log, patched, proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type {
  HealthCheckRef,
  HealthCheckResult,
  HealthTarget,
  HealthTransition,
  PlannedHealthCheck,
} from '../contracts/health';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import { cutText } from '../domain/text-cut';
import { activityFailureCause } from './activity-failure';

type Activities = ReturnType<typeof createActivities>;

const record = proxyActivities<Activities>({ startToCloseTimeout: '30s' });
/**
 * Storing a run's results is retried for about 15 s (a database restart), not forever: a run that
 * never finishes would make the schedule (overlap SKIP) skip every later one. Results PostgreSQL
 * refuses fail at once (non-retryable).
 */
const storing = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '8s', maximumAttempts: 5 },
});

/**
 * Input of {@link systemMonitorWorkflow}. `targets` names configured targets
 * (`BRAINOPS_HEALTH_TARGETS`); without it, all of them. An unknown name fails the run with a
 * non-retryable `ValidationError`. Whole targets are refused the same way unless the operator set
 * `BRAINOPS_ALLOW_AD_HOC_TARGETS`.
 */
export interface SystemMonitorInput {
  targets?: (string | HealthTarget)[];
  /** Start error-learning for failing targets. @defaultValue true */
  learnFromErrors?: boolean;
}

/** What one run found. */
export interface SystemMonitorResult {
  results: HealthCheckResult[];
  transitions: HealthTransition[];
  /** Why the results could not be stored (then kept in `unstored_records` when possible). */
  unstored?: string;
}

export async function systemMonitorWorkflow(input: SystemMonitorInput = {}): Promise<SystemMonitorResult> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }]);
  // Targets are resolved by name in the worker (patch `monitor-named-targets`); runs recorded
  // before it passed whole targets from their input or the worker and still replay that way.
  let targets: PlannedHealthCheck[];
  let refOf: (t: PlannedHealthCheck) => HealthCheckRef;
  if (patched('monitor-named-targets')) {
    targets = await record.configuredHealthTargets({ targets: input.targets });
    const given = new Map(
      (input.targets ?? []).flatMap((t) => (typeof t === 'object' && t !== null ? [[t.name, t] as const] : [])),
    );
    refOf = (t) => (t.adHoc ? { name: t.name, adHoc: given.get(t.name) } : { name: t.name });
  } else {
    targets = (input.targets as PlannedHealthCheck[] | undefined) ?? (await record.configuredHealthTargets());
    refOf = (t) => ({ name: t.name });
  }
  const results = await Promise.all(
    targets.map((target) => {
      // A down target is a result, not a failure: the probe catches its own errors, so a retry
      // is only for a lost worker.
      const { checkHealthTarget } = proxyActivities<Activities>({
        startToCloseTimeout: (target.timeoutMs ?? 5000) + 5000,
        retry: { maximumAttempts: 2 },
      });
      return checkHealthTarget(refOf(target));
    }),
  );
  let recorded: Awaited<ReturnType<Activities['recordHealthResults']>>;
  try {
    recorded = await storing.recordHealthResults({ results });
  } catch (error) {
    // The run still finishes: the reason in its memo (Web UI) and result, the results kept aside.
    const reason = cutText((activityFailureCause(error) ?? (error as Error)).message, 2000);
    upsertMemo({ unstored: reason });
    log.warn('SystemMonitor could not store its results', { reason });
    try {
      await storing.recordUnstoredHealthResults({ results, reason });
    } catch (e) {
      log.warn('SystemMonitor could not keep its unstored results either', { error: String(e) });
    }
    return { results, transitions: [], unstored: reason };
  }
  const { transitions, errors } = recorded;
  // Every failing check is an occurrence for error-learning: the first starts it (and its
  // remediation), the rest are counted by the workflow already running for that signature.
  if (errors.length > 0 && input.learnFromErrors !== false) {
    await Promise.all(
      errors.map((e) =>
        record.startErrorLearning({
          signature: e.signature,
          errorType: e.errorType,
          message: e.message,
          source: 'SystemMonitor',
          errorEventId: e.errorEventId,
          target: targets.some((t) => t.name === e.target && !t.adHoc) ? { name: e.target } : undefined,
        }),
      ),
    );
  }
  return { results, transitions };
}
