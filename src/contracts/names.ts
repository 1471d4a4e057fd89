/**
 * Names shared by the worker, the client and the workflows, declared once. Safe to import from
 * workflow code (no Node built-ins).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue used when `TEMPORAL_TASK_QUEUE` is unset. */
export const DEFAULT_TASK_QUEUE = 'brainops';

/** Custom search attributes, registered on the dev server at start-up and by `schedules apply`. */
export const SEARCH_ATTRIBUTES = Object.freeze({
  /** The BrainOps agent that owns the workflow (ContextKeeper, SystemMonitor, …). */
  agent: defineSearchAttributeKey('BrainOpsAgent', SearchAttributeType.KEYWORD),
  session: defineSearchAttributeKey('BrainOpsSession', SearchAttributeType.KEYWORD),
  tenant: defineSearchAttributeKey('BrainOpsTenant', SearchAttributeType.KEYWORD),
});

/** Schedule ids are fixed so `schedules apply` can create or update them idempotently. */
export const SCHEDULE_IDS = Object.freeze({
  systemMonitor: 'brainops-system-monitor',
  databaseBackup: 'brainops-database-backup',
  databaseFindings: 'brainops-database-findings',
  learningFiveMinute: 'brainops-learning-five-minute',
  learningHourly: 'brainops-learning-hourly',
  learningDaily: 'brainops-learning-daily',
  embeddings: 'brainops-embeddings',
});

/** Prefix of embedding catch-up runs: `embeddings/scheduled-…`, `embeddings/manual/<uuid>`. */
export const EMBEDDINGS_WORKFLOW_ID_PREFIX = 'embeddings';

/** `session/<tenant>/<session>`: one workflow per session, readable in the Web UI. */
export function sessionWorkflowId(tenantId: string, sessionId: string): string {
  return `session/${tenantId}/${sessionId}`;
}

/** Prefix of SystemMonitor runs started by hand (`brainops monitor run`). */
export const SYSTEM_MONITOR_WORKFLOW_ID_PREFIX = 'system-monitor';

/** Prefix of DatabaseGuardian runs: `database-guardian/scheduled-…`, `database-guardian/manual/<uuid>`. */
export const DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX = 'database-guardian';

/** Prefix of learning-cycle runs: `learning/<cycle>/scheduled-…`, `learning/<cycle>/<window end>`. */
export const LEARNING_WORKFLOW_ID_PREFIX = 'learning';

/**
 * `deploy/<target>/<ref>`: one deployment of a ref of a target at a time (a second start while it
 * runs is refused); readable in the Web UI.
 */
export function deploymentWorkflowId(target: string, ref: string): string {
  return `deploy/${target}/${ref}`;
}
