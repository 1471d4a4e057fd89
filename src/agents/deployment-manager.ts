import type { AgentDefinition } from './types';

export const deploymentManager: AgentDefinition = {
  name: 'DeploymentManager',
  role: 'Deploys a ref of a configured target: memory-aware pre-check, build steps, release, verification, automatic rollback, approvals, deployment history.',
  capabilities: [
    'git fetch and checkout',
    'build and test steps',
    'release directory switch',
    'deploy hook',
    'post-deploy verification',
    'automatic rollback',
    'approvals',
    'deployment history',
  ],
  workflows: ['deploymentWorkflow'],
};
