/**
 * The operations agents of BrainOps. DatabaseGuardian is declared here as it is planned; its
 * workflows arrive with its own issue.
 */
import { contextKeeper } from './context-keeper';
import { deploymentManager } from './deployment-manager';
import { systemMonitor } from './system-monitor';
import type { AgentDefinition } from './types';

export type { AgentDefinition } from './types';

export const AGENTS: readonly AgentDefinition[] = Object.freeze([contextKeeper, systemMonitor, deploymentManager]);

const byWorkflow = new Map(AGENTS.flatMap((agent) => agent.workflows.map((w) => [w, agent.name] as const)));

/** The agent a workflow type works for, or `unassigned`. */
export function agentForWorkflow(workflowType: string): string {
  return byWorkflow.get(workflowType) ?? 'unassigned';
}
