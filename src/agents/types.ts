/** An operations agent: a named definition and the workflows that implement its capabilities. */
export interface AgentDefinition {
  /** The agent's name, as search attribute `BrainOpsAgent` and work history's `agent_id`. */
  name: 'ContextKeeper' | 'SystemMonitor' | 'DeploymentManager' | 'DatabaseGuardian' | 'WorkflowOrchestrator';
  role: string;
  capabilities: string[];
  /** Workflow types that run on the agent's behalf (their activities are the agent's actions). */
  workflows: string[];
}
