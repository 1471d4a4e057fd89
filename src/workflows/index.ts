// The workflows a BrainOps worker runs (bundled for the deterministic sandbox).
export { sessionWorkflow } from './session';
export { systemMonitorWorkflow } from './system-monitor';
export { errorLearningWorkflow } from './error-learning';
export { remediationSequenceWorkflow } from './remediation-sequence';
export { databaseGuardianWorkflow, databaseBackupWorkflow, databaseRestoreCheckWorkflow } from './database-guardian';
export { learningCycleWorkflow } from './learning-cycle';
export { deploymentWorkflow } from './deployment';
