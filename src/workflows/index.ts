// The workflows a BrainOps worker runs (bundled for the deterministic sandbox).
export { sessionWorkflow } from './session';
export { systemMonitorWorkflow } from './system-monitor';
export { errorLearningWorkflow } from './error-learning';
export { deploymentWorkflow } from './deployment';
