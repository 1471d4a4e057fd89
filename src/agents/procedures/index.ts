/**
 * The six operational procedures BrainOps ships as built-ins (stored at worker start, version 1),
 * each wired to what BrainOps already runs. Data only: validated by `procedureDefinitionSchema`
 * when stored. A new version is a new file entry with a higher `version`.
 */
import type { ProcedureDefinitionInput } from '../../contracts/procedure';

const define = (d: ProcedureDefinitionInput): ProcedureDefinitionInput => d;

export const BUILTIN_PROCEDURES: readonly ProcedureDefinitionInput[] = Object.freeze([
  define({
    name: 'memory-first-development',
    version: 1,
    description: 'Memory-first development: consult memory before building, confirm the approach, record the result.',
    enforcement: 'strict',
    keywords: ['develop', 'implement', 'build', 'feature', 'code', 'change'],
    params: { task: { description: 'what is to be built', required: true } },
    steps: [
      { id: 'consult-memory', kind: 'guidance', task: '{{task}}' },
      { id: 'confirm-approach', kind: 'approval', prompt: 'Confirm the approach for "{{task}}" given the guidance' },
      {
        id: 'learn',
        kind: 'workflow',
        workflowType: 'learningCycleWorkflow',
        args: [{ cycle: 'five-minute' }],
        title: 'record agent performance',
      },
    ],
  }),
  define({
    name: 'memory-aware-deployment',
    version: 1,
    description:
      'Memory-aware deployment: guidance, then the deployment with its pre-check against past deployments and errors.',
    enforcement: 'strict',
    keywords: ['deploy', 'deployment', 'release', 'rollout', 'ship'],
    params: {
      target: { description: 'deploy target (BRAINOPS_DEPLOY_TARGETS)', required: true },
      ref: { description: 'git ref', required: true },
    },
    steps: [
      { id: 'consult-memory', kind: 'guidance', task: 'deploy {{target}} {{ref}}' },
      {
        id: 'deploy',
        kind: 'workflow',
        workflowType: 'deploymentWorkflow',
        args: [{ target: '{{target}}', ref: '{{ref}}', startedBy: 'procedure memory-aware-deployment' }],
        timeoutMs: 3_600_000,
        retry: { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2 },
      },
    ],
  }),
  define({
    name: 'intelligent-error-resolution',
    version: 1,
    description:
      'Intelligent error resolution: guidance on the error, then error-learning (known fixes, verification, escalation).',
    enforcement: 'strict',
    keywords: ['error', 'failure', 'incident', 'fix', 'resolve', 'exception'],
    params: {
      signature: { description: 'error signature', required: true },
      message: { description: 'error message', required: true },
      source: { description: 'where it came from', required: false },
    },
    steps: [
      { id: 'consult-memory', kind: 'guidance', task: '{{message}}' },
      {
        id: 'error-learning',
        kind: 'workflow',
        workflowType: 'errorLearningWorkflow',
        args: [{ signature: '{{signature}}', errorType: 'Error', message: '{{message}}', source: '{{source}}' }],
        timeoutMs: 86_400_000,
        retry: { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2 },
      },
    ],
  }),
  define({
    name: 'agent-coordination',
    version: 1,
    description:
      'Agent coordination: guidance on who should take over, then a session handoff with its context snapshot.',
    enforcement: 'warn',
    keywords: ['handoff', 'coordinate', 'coordination', 'agent', 'delegate', 'escalate'],
    params: {
      tenantId: { description: 'tenant of the session', required: true },
      sessionId: { description: 'the session', required: true },
      toAgent: { description: 'the agent taking over', required: true },
      reason: { description: 'why', required: true },
    },
    steps: [
      { id: 'consult-memory', kind: 'guidance', task: 'hand session {{sessionId}} to {{toAgent}}: {{reason}}' },
      {
        id: 'handoff',
        kind: 'handoff',
        tenantId: '{{tenantId}}',
        sessionId: '{{sessionId}}',
        toAgent: '{{toAgent}}',
        reason: '{{reason}}',
      },
    ],
  }),
  define({
    name: 'continuous-learning',
    version: 1,
    description:
      'Continuous learning: the five-minute cycle (performance, patterns) and the hourly one (recommendations).',
    enforcement: 'off',
    keywords: ['learn', 'learning', 'performance', 'patterns', 'recommendations', 'insights'],
    params: {},
    steps: [
      { id: 'five-minute', kind: 'workflow', workflowType: 'learningCycleWorkflow', args: [{ cycle: 'five-minute' }] },
      { id: 'hourly', kind: 'workflow', workflowType: 'learningCycleWorkflow', args: [{ cycle: 'hourly' }] },
    ],
  }),
  define({
    name: 'memory-optimisation',
    version: 1,
    description: 'Memory optimisation: the daily cycle (archive, layer changes, merge of duplicates, statistics).',
    enforcement: 'off',
    keywords: ['optimise', 'optimize', 'optimisation', 'archive', 'memory', 'cleanup'],
    params: {},
    steps: [{ id: 'daily', kind: 'workflow', workflowType: 'learningCycleWorkflow', args: [{ cycle: 'daily' }] }],
  }),
]);
