import type { AgentDefinition } from './types';

export const databaseGuardian: AgentDefinition = {
  name: 'DatabaseGuardian',
  role: 'Guards the memory database and the declared ones: schema sync and migrations, verified backups with retention, performance findings.',
  capabilities: [
    'schema sync and migrations',
    'backups with restore verification and retention',
    'performance findings',
  ],
  workflows: ['databaseGuardianWorkflow', 'databaseBackupWorkflow', 'databaseRestoreCheckWorkflow'],
};
