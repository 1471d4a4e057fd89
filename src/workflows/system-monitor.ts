/**
 * SystemMonitor's health-check run, started by its schedule (and by `brainops monitor run`):
 * every target is checked concurrently, each by its own activity bounded by the target's
 * timeout; then results, state transitions and errors are recorded in one transaction.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { HealthCheckResult, HealthTarget, HealthTransition } from '../contracts/health';
import { SEARCH_ATTRIBUTES } from '../contracts/names';

type Activities = ReturnType<typeof createActivities>;

const record = proxyActivities<Activities>({ startToCloseTimeout: '30s' });

/** Input of {@link systemMonitorWorkflow}. Without `targets`, the worker's configured targets. */
export interface SystemMonitorInput {
  targets?: HealthTarget[];
  /** Start error-learning for failing targets. @defaultValue true */
  learnFromErrors?: boolean;
}

/** What one run found. */
export interface SystemMonitorResult {
  results: HealthCheckResult[];
  transitions: HealthTransition[];
}

export async function systemMonitorWorkflow(input: SystemMonitorInput = {}): Promise<SystemMonitorResult> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }]);
  const targets = input.targets ?? (await record.configuredHealthTargets());
  const results = await Promise.all(
    targets.map((target) => {
      // A down target is a result, not a failure: the probe catches its own errors, so a retry
      // is only for a lost worker.
      const { checkHealthTarget } = proxyActivities<Activities>({
        startToCloseTimeout: (target.timeoutMs ?? 5000) + 5000,
        retry: { maximumAttempts: 2 },
      });
      return checkHealthTarget(target);
    }),
  );
  const { transitions, errors } = await record.recordHealthResults({ results });
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
          target: targets.find((t) => t.name === e.target),
        }),
      ),
    );
  }
  return { results, transitions };
}
