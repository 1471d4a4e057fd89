/**
 * The operations agents of BrainOps.
 */
import { contextKeeper } from './context-keeper';
import { databaseGuardian } from './database-guardian';
import { deploymentManager } from './deployment-manager';
import { systemMonitor } from './system-monitor';
import { workflowOrchestrator } from './workflow-orchestrator';
import type { AgentDefinition } from './types';

export type { AgentDefinition } from './types';
export { BUILTIN_PROCEDURES } from './procedures';
export { CAPABILITIES, type Capability } from './workflow-orchestrator';

/** Every workflow type an agent runs (what a procedure's `workflow` step may name). */
export function workflowTypes(): string[] {
  return AGENTS.flatMap((a) => a.workflows).sort();
}

export const AGENTS: readonly AgentDefinition[] = Object.freeze([
  contextKeeper,
  systemMonitor,
  deploymentManager,
  databaseGuardian,
  workflowOrchestrator,
]);

const byWorkflow = new Map(AGENTS.flatMap((agent) => agent.workflows.map((w) => [w, agent.name] as const)));

/** The agent a workflow type works for, or `unassigned`. */
export function agentForWorkflow(workflowType: string): string {
  return byWorkflow.get(workflowType) ?? 'unassigned';
}
