import type { ProcedureStep } from '../contracts/procedure';
import type { AgentDefinition } from './types';

/**
 * WorkflowOrchestrator: task scheduling, dependency management, pipeline execution and
 * result aggregation — a goal becomes guidance, a plan (a procedure, or steps composed from the
 * registered capabilities below), each step given to the agent with the best record, run as a
 * DAG of child workflows, and the outcome learned against the task's signature.
 */
export const workflowOrchestrator: AgentDefinition = {
  name: 'WorkflowOrchestrator',
  role: 'Turns a goal into a plan of steps with dependencies, gives each to the best agent, runs them and learns from the outcome.',
  capabilities: [
    'contextual guidance',
    'operational procedures',
    'task scheduling',
    'dependency management',
    'pipeline execution',
    'result aggregation',
  ],
  workflows: ['orchestrateWorkflow', 'procedureWorkflow'],
};

/** A capability a composed plan can use: matched by keywords of the goal, done by one of `agents`. */
export interface Capability {
  name: string;
  description: string;
  keywords: string[];
  agents: string[];
  /** A procedure to run, or one step of a registered kind. */
  procedure?: string;
  step?: ProcedureStep;
}

/** The registered capabilities plans are composed from (`brainops orchestrate` without a plan). */
export const CAPABILITIES: readonly Capability[] = Object.freeze([
  {
    name: 'consult-memory',
    description: 'what memory recommends for the goal',
    keywords: [],
    agents: ['WorkflowOrchestrator', 'ContextKeeper'],
    step: { id: 'consult-memory', kind: 'guidance', task: '{{goal}}' },
  },
  {
    name: 'deploy',
    description: 'a memory-aware deployment (pre-check, release, verification, rollback)',
    keywords: ['deploy', 'release', 'ship', 'rollout'],
    agents: ['DeploymentManager'],
    procedure: 'memory-aware-deployment',
  },
  {
    name: 'resolve-error',
    description: 'intelligent error resolution through error-learning',
    keywords: ['error', 'fix', 'failure', 'incident', 'resolve', 'broken'],
    agents: ['SystemMonitor'],
    procedure: 'intelligent-error-resolution',
  },
  {
    name: 'learn',
    description: 'the learning cycles: agent performance, patterns, recommendations',
    keywords: ['learn', 'analyse', 'analyze', 'performance', 'insight'],
    agents: ['ContextKeeper'],
    procedure: 'continuous-learning',
  },
  {
    name: 'optimise-memory',
    description: 'the daily memory optimisation',
    keywords: ['optimise', 'optimize', 'archive', 'cleanup', 'memory'],
    agents: ['ContextKeeper'],
    procedure: 'memory-optimisation',
  },
  {
    name: 'verify-health',
    description: 'SystemMonitor checks every configured target',
    keywords: ['test', 'verify', 'health', 'check', 'monitor'],
    agents: ['SystemMonitor'],
    step: { id: 'verify-health', kind: 'workflow', workflowType: 'systemMonitorWorkflow', args: [{}] },
  },
]);
