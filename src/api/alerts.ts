/**
 * Alert intake: Prometheus Alertmanager's webhook notifications (`webhook_configs`, protocol
 * version "4", its own camelCase fields taken as sent) become error-learning of the key's tenant —
 * firing alerts are recorded and remediated, resolved ones verify and resolve them
 * (`src/services/alert-intake.ts`, docs/error-learning.md "Alertmanager").
 */
import type { BrainOpsConfig } from '../../temporal.config';
import { alertmanagerNotificationSchema } from '../contracts/alertmanager';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { takeAlerts } from '../services/alert-intake';
import { isOperator } from './caller';
import { operation } from './operation';

/** Alert intake operations. */
export function alertOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
) {
  const { taskQueue } = config.temporal;
  const e = config.errorLearning;
  const settings = {
    taskQueue,
    autoConfidence: e.autoRemediationConfidence,
    escalationTimeoutMs: e.escalationTimeoutMs,
    signatureLabels: e.alertSignatureLabels,
    verifyTimeoutMs: e.alertVerifyTimeoutMs,
  };
  return {
    /**
     * Takes one Alertmanager notification for the key's tenant (an operator key's alerts belong
     * to no tenant). Answers what became of each alert, in order.
     */
    alertmanager: operation({
      name: 'alerts.alertmanager',
      summary: 'Take a Prometheus Alertmanager webhook notification (firing alerts become error-learning)',
      subject: 'Alertmanager notification',
      what: 'reporting alerts',
      input: alertmanagerNotificationSchema,
      access: 'writer',
      run: async (caller, notification) => ({
        success: true as const,
        alerts: await takeAlerts(
          await store(),
          (await client()).temporal,
          settings,
          notification,
          isOperator(caller) ? undefined : caller.tenantId,
        ),
      }),
    }),
  };
}
