export * from './schema';
export { MemoryStore, type MemoryStoreOptions } from './store';
export { migrate, MIGRATIONS_TABLE } from './migrate';
export type { SessionMessage, SessionTask, SessionKey, OpenedSession, HandoffRecord, SessionRow } from './sessions';
export type { WorkHistoryRecord, ErrorEventInput, ErrorEventRow } from './work-history';
export type { Solution, Decision } from './knowledge-base';
export type { DeploymentRow, DeploymentStatus, DeploymentStepRecord, RollbackRecord, DeploymentPast } from './deployments';
