/**
 * The memory store's public face: `MemoryStore` (all SQL behind it), the migrations, and the
 * contract types its methods take and return.
 */
export * from '../contracts/memory';
export { MemoryStore, type MemoryStoreOptions } from './store';
export { ApiKeyStore, hashApiKey } from './api-keys';
export { Batcher } from './batcher';
export * from '../contracts/api';
export { migrate, migrationFiles, MIGRATIONS_TABLE, type MigrationStatus } from './migrate';
export type { SessionMessage, SessionTask, OpenedSession } from '../contracts/session';
export type { SessionKey, HandoffRecord, SessionRow, AppendResult, QuarantinedMessage } from './sessions';
export { isDataError } from './sessions';
export type { WorkHistoryRecord, ErrorEventInput, ErrorEventRow } from './work-history';
export type { Solution, Decision, ErrorSummary } from './knowledge-base';
export type { BackupRecord, MigrationRun } from '../contracts/guardian';
export { SEVERITIES, type Insight, type Severity } from '../contracts/insight';
export type { CapabilityPerformance, SignatureTrend, FailingSignature } from './learning';
export { LAYER_RULES } from './maintenance';
export type { MaintenanceCounts } from '../contracts/learning';
export type {
  DeploymentRow,
  DeploymentStatus,
  DeploymentStepRecord,
  RollbackRecord,
  DeploymentPast,
} from '../contracts/deployment';
export type { WorkMatch, SolutionMatch, ProcedureMatch, TaskMatch, DecisionRow } from './guidance';
export type { ProcedureCompliance, ProcedureEffectiveness, StepEventRow, OrchestrationStepRow } from './procedures';
