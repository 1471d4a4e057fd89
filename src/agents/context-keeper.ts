import type { AgentDefinition } from './types';

export const contextKeeper: AgentDefinition = {
  name: 'ContextKeeper',
  role: "Keeps every session's context: messages, tasks, handoffs, snapshots and the session brief.",
  capabilities: [
    'session lifecycle',
    'context snapshots',
    'handoffs',
    'session brief',
    'pattern recognition',
    'agent performance records',
    'memory optimisation and archival',
    'embeddings for semantic search',
  ],
  workflows: ['sessionWorkflow', 'learningCycleWorkflow', 'embeddingCatchUpWorkflow'],
};
