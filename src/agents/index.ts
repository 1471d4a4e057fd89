/**
 * The operations agents of BrainOps. DeploymentManager and DatabaseGuardian are declared here as
 * they are planned; their workflows arrive with their own issues.
 */
import { contextKeeper } from './context-keeper';
import { systemMonitor } from './system-monitor';
import type { AgentDefinition } from './types';

export type { AgentDefinition } from './types';

export const AGENTS: readonly AgentDefinition[] = Object.freeze([contextKeeper, systemMonitor]);

const byWorkflow = new Map(AGENTS.flatMap((agent) => agent.workflows.map((w) => [w, agent.name] as const)));

/** The agent a workflow type works for, or `unassigned`. */
export function agentForWorkflow(workflowType: string): string {
  return byWorkflow.get(workflowType) ?? 'unassigned';
}
