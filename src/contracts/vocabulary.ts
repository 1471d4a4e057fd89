/**
 * The vocabularies of BrainOps as plain constants: memory types, layers, scopes, priorities and
 * API roles. They mirror the CHECK constraints of the migrations. Kept free of zod, so what only
 * needs the words (the CLI's help, its option lists) loads nothing else.
 */

/** The memory types: conversations, system, learning, business, external. Unknown types are rejected, never stored. */
export const MEMORY_TYPES = Object.freeze([
  'user_interaction',
  'ai_response',
  'agent_conversation',
  'system_error',
  'system_event',
  'system_state',
  'performance_metric',
  'health_check',
  'ai_insight',
  'error_solution',
  'optimization',
  'knowledge',
  'business_decision',
  'workflow_state',
  'task',
  'api_call',
  'webhook_event',
  'integration_sync',
] as const);
export type MemoryType = (typeof MEMORY_TYPES)[number];

/** Lifetimes, shortest first. */
export const LAYERS = Object.freeze(['ephemeral', 'session', 'short_term', 'long_term', 'permanent'] as const);
export type Layer = (typeof LAYERS)[number];

export const SCOPES = Object.freeze(['global', 'tenant', 'user', 'session', 'agent'] as const);
export type Scope = (typeof SCOPES)[number];

export const PRIORITIES = Object.freeze(['critical', 'high', 'medium', 'low'] as const);
export type Priority = (typeof PRIORITIES)[number];

/** The roles of a tenant's keys, lowest first. */
export const API_ROLES = Object.freeze(['reader', 'writer', 'admin'] as const);
export type ApiRole = (typeof API_ROLES)[number];
/** The role of an operator key (bound to no tenant). */
export const OPERATOR_ROLE = 'operator';
