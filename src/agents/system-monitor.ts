import type { AgentDefinition } from './types';

export const systemMonitor: AgentDefinition = {
  name: 'SystemMonitor',
  role: 'Checks the configured targets on a schedule and records health, state changes and errors.',
  capabilities: ['scheduled health checks', 'state transitions', 'error detection'],
  workflows: ['systemMonitorWorkflow'],
};
