import type { AgentDefinition } from './types';

export const systemMonitor: AgentDefinition = {
  name: 'SystemMonitor',
  role: 'Checks the configured targets on a schedule, records health, state changes and errors, and heals through error-learning.',
  capabilities: [
    'scheduled health checks',
    'state transitions',
    'error detection',
    'auto-healing through error-learning',
    'escalation',
  ],
  workflows: ['systemMonitorWorkflow', 'errorLearningWorkflow', 'remediationSequenceWorkflow'],
};
