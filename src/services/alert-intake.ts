/**
 * Alertmanager's notifications (`POST /ingest/alertmanager`) as error-learning: each firing alert
 * becomes an error event of the caller's tenant through {@link reportError} (once per firing:
 * fingerprint and `startsAt`), whose error-learning tries the remediation configured for the
 * alert's name; each resolved alert is the evidence that run's verification waits for (a
 * `cleared` signal), or, with no run in flight, resolves the alert's error events itself.
 * Rules of signature, message and dedupe key: `src/domain/alert-signature.ts`.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AlertmanagerAlert, AlertmanagerNotification } from '../contracts/alertmanager';
import { clearedSignal } from '../contracts/error-learning-messages';
import { ALERT_ERROR_TYPE, alertDedupeKey, alertMessage, alertSignature } from '../domain/alert-signature';
import { errorLearningWorkflowId } from '../domain/signature-hash';
import type { MemoryStore } from '../memory';
import type { ErrorLearningStart } from './error-learning-start';
import { reportError } from './error-reports';

/** The source of every alert's error event. */
export const ALERT_SOURCE = 'alertmanager';

/** Error-learning's settings and the operator's rules for alerts (from the configuration). */
export interface AlertIntakeSettings extends ErrorLearningStart {
  /** Labels of a signature besides `alertname`, in order (`BRAINOPS_ALERT_SIGNATURE_LABELS`). */
  signatureLabels: readonly string[];
  /** ms a remediation waits for its alert to be reported resolved (`BRAINOPS_ALERT_VERIFY_TIMEOUT`). */
  verifyTimeoutMs: number;
}

/**
 * What became of one alert of a notification:
 * - `recorded`: a firing alert recorded as an error event and handed to error-learning;
 * - `duplicate`: the same firing (fingerprint and start) was recorded before: nothing started;
 * - `cleared`: resolved, and told to the error-learning run in flight, which verifies and resolves;
 * - `resolved`: resolved with no run in flight: its open error events were marked resolved.
 */
export interface AlertOutcome {
  alertname: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  outcome: 'recorded' | 'duplicate' | 'cleared' | 'resolved';
  signature: string;
  workflowId: string;
  /** The error event of a firing alert. */
  errorEventId?: number;
  /** How many error events a resolved alert marked resolved itself (`resolved`). */
  resolvedEvents?: number;
}

/**
 * Takes the alerts of `notification` (parsed) for `tenantId` (none: the operator's, of no tenant),
 * in their order. Returns one outcome per alert.
 * @throws what the memory store or Temporal throw (the notification may be sent again: every step is idempotent).
 */
export async function takeAlerts(
  store: MemoryStore,
  temporal: Client,
  settings: AlertIntakeSettings,
  notification: AlertmanagerNotification,
  tenantId?: string,
): Promise<AlertOutcome[]> {
  const outcomes: AlertOutcome[] = [];
  for (const alert of notification.alerts) {
    const signature = alertSignature({ labels: alert.labels, tenantId }, settings.signatureLabels);
    const base = {
      alertname: alert.labels.alertname!,
      fingerprint: alert.fingerprint,
      status: alert.status,
      signature,
      workflowId: errorLearningWorkflowId(signature),
    };
    outcomes.push({
      ...base,
      ...(alert.status === 'firing'
        ? await fire(store, temporal, settings, notification, alert, signature, tenantId)
        : await clear(store, temporal, alert, signature, tenantId)),
    });
  }
  return outcomes;
}

async function fire(
  store: MemoryStore,
  temporal: Client,
  settings: AlertIntakeSettings,
  notification: AlertmanagerNotification,
  alert: AlertmanagerAlert,
  signature: string,
  tenantId: string | undefined,
): Promise<Pick<AlertOutcome, 'outcome' | 'errorEventId'>> {
  const receipt = await reportError(
    store,
    temporal,
    settings,
    {
      errorType: ALERT_ERROR_TYPE,
      message: alertMessage(alert, settings.signatureLabels).slice(0, 10_000),
      source: ALERT_SOURCE,
      context: {
        labels: alert.labels,
        annotations: alert.annotations,
        fingerprint: alert.fingerprint,
        startsAt: alert.startsAt,
        generatorURL: alert.generatorURL,
        receiver: notification.receiver,
        groupKey: notification.groupKey,
        externalURL: notification.externalURL,
      },
      tenantId,
    },
    {
      signature,
      dedupeKey: alertDedupeKey({ fingerprint: alert.fingerprint, startsAt: alert.startsAt, tenantId }),
      alert: {
        name: alert.labels.alertname!,
        fingerprint: alert.fingerprint,
        verifyTimeoutMs: settings.verifyTimeoutMs,
      },
    },
  );
  return { outcome: receipt.duplicate ? 'duplicate' : 'recorded', errorEventId: receipt.errorEventId };
}

async function clear(
  store: MemoryStore,
  temporal: Client,
  alert: AlertmanagerAlert,
  signature: string,
  tenantId: string | undefined,
): Promise<Pick<AlertOutcome, 'outcome' | 'resolvedEvents'>> {
  try {
    await temporal.workflow
      .getHandle(errorLearningWorkflowId(signature))
      .signal(clearedSignal, { fingerprint: alert.fingerprint, source: ALERT_SOURCE });
    // The run resolves the events: with the solution whose remediation it verified by this.
    return { outcome: 'cleared' };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const resolvedEvents = await store.errorEvents.resolveAlert({ signature, fingerprint: alert.fingerprint, tenantId });
  return { outcome: 'resolved', resolvedEvents };
}
