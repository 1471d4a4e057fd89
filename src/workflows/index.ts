/**
 * The workflows a BrainOps worker runs, bundled for the deterministic sandbox. Their names are the
 * workflow types clients, schedules and the `temporal` CLI start; they never change.
 */
import type { ERROR_LEARNING_WORKFLOW_TYPE } from '../contracts/error-learning-messages';

export { sessionWorkflow } from './session';
export { systemMonitorWorkflow } from './system-monitor';
export { errorLearningWorkflow } from './error-learning';
export { remediationSequenceWorkflow } from './remediation-sequence';
export { databaseGuardianWorkflow, databaseBackupWorkflow, databaseRestoreCheckWorkflow } from './database-guardian';
export { learningCycleWorkflow } from './learning-cycle';
export { deploymentWorkflow } from './deployment';
export { embeddingCatchUpWorkflow } from './embedding-catch-up';
export { procedureWorkflow } from './procedure';
export { orchestrateWorkflow } from './orchestrate';
export { erasureWorkflow } from './erasure';

/** Activities start error-learning by its type name; this stops compiling if the name stops matching. */
export type ErrorLearningWorkflowByName = (typeof import('./error-learning'))[typeof ERROR_LEARNING_WORKFLOW_TYPE];
