/**
 * The memory store's public face: `MemoryStore` and its repositories (all SQL behind them), the
 * migrations, and the contract types their methods take and return.
 */
export * from '../contracts/memory';
export { MemoryStore, type MemoryStoreOptions } from './store';
export { ApiKeyStore, hashApiKey, isWellFormedApiKey } from './api-keys';
export { RateLimitStore, type WindowCount } from './rate-limits';
export { Batcher } from './batcher';
export * from '../contracts/api';
export { migrate, migrationFiles, MIGRATIONS_TABLE, type MigrationStatus } from './migrate';
export type { SessionMessage, SessionTask, OpenedSession } from '../contracts/session';
export type { SessionKey, HandoffRecord, SessionRow, QuarantinedMessage, Conversation } from './sessions';
export { conversationFigures } from './sessions';
export { isDataError, recordDeadLetters, type MessageToStore } from './session-messages';
export type { WorkHistoryRecord } from './work-history';
export type { ErrorEventInput, ErrorEventRow, ErrorSummary } from './error-events';
export type { EndpointStats, EndpointWindow, EndpointMinuteRow } from './endpoint-performance';
export type { Solution, SolutionInput } from '../contracts/knowledge';
export type { Decision, DecisionRow } from './decisions';
export type { BackupRecord, MigrationRun } from '../contracts/database-guardian';
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
export type { WorkMatch, SolutionMatch, ProcedureMatch, TaskMatch } from './guidance';
export type { ProcedureCompliance, ProcedureEffectiveness, StepEventRow, OrchestrationStepRow } from './procedures';
