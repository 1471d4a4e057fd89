import type { AgentDefinition } from './types';

export const contextKeeper: AgentDefinition = {
  name: 'ContextKeeper',
  role: 'Keeps every session\'s context: messages, tasks, handoffs, snapshots and the session brief.',
  capabilities: ['session lifecycle', 'context snapshots', 'handoffs', 'session brief'],
  workflows: ['sessionWorkflow'],
};
