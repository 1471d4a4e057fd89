/**
 * Operational procedures as data: a named, versioned list of steps, each of a registered kind,
 * with an enforcement policy. Definitions come from files in the repository (built-ins,
 * `src/agents/procedures`), the client or the CLI; each is validated here, naming the bad field.
 * Pure (the workflows use it too).
 */
import { z } from 'zod';
import { jsonObject, jsonValue, text } from './limits';

export const procedureNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected 1-64 lower-case letters, digits or "-"');
const stepIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected 1-64 lower-case letters, digits, "_" or "-"');

/** A step's retry policy (Temporal's, in ms). */
export const stepRetrySchema = z
  .object({
    maximumAttempts: z.number().int().min(1).max(100).default(3),
    initialIntervalMs: z.number().int().min(10).max(3_600_000).default(1000),
    backoffCoefficient: z.number().min(1).max(10).default(2),
  })
  .strict();
export type StepRetry = z.output<typeof stepRetrySchema>;

const common = {
  id: stepIdSchema,
  title: text(200).optional(),
  retry: stepRetrySchema.optional(),
  /** ms one attempt may take. @defaultValue 5 minutes */
  timeoutMs: z.number().int().min(100).max(86_400_000).optional(),
};

/**
 * The registered step kinds. String values may name run parameters as `{{name}}` (replaced before
 * the step runs).
 */
export const procedureStepSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...common,
      /** Run a registered remediation action (`BRAINOPS_REMEDIATIONS`). */
      kind: z.literal('remediation'),
      action: text(64, 1),
      params: jsonObject().default({}),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Run a workflow of this worker as a child workflow and wait for it. */
      kind: z.literal('workflow'),
      workflowType: text(200, 1),
      args: z.array(jsonValue()).max(10).default([]),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Wait for a person's approval (the `approve` update). */
      kind: z.literal('approval'),
      prompt: text(2000, 1),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Consult memory: contextual guidance for a task (recorded in the decision log). */
      kind: z.literal('guidance'),
      task: text(1000, 1),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Check a configured health target by name (`BRAINOPS_HEALTH_TARGETS`); fails when it is down. */
      kind: z.literal('health'),
      target: text(200, 1),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Call a webhook; a non-2xx answer fails the attempt. */
      kind: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/ }),
      method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
      body: jsonObject().optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      /** Hand a running session to another agent (the session's `handoff` update). */
      kind: z.literal('handoff'),
      tenantId: text(200, 1),
      sessionId: text(200, 1),
      toAgent: text(100, 1),
      reason: text(1000, 1),
    })
    .strict(),
]);
export type ProcedureStep = z.output<typeof procedureStepSchema>;
export type ProcedureStepInput = z.input<typeof procedureStepSchema>;
export const STEP_KINDS = Object.freeze([
  'remediation',
  'workflow',
  'approval',
  'guidance',
  'health',
  'webhook',
  'handoff',
] as const);
/** Kinds that act on the world: under `strict` they need guidance consulted (or an approval) first. */
export const OPERATION_KINDS: readonly ProcedureStep['kind'][] = ['remediation', 'workflow', 'webhook', 'handoff'];

export const enforcementSchema = z.enum(['strict', 'warn', 'off']);
export type Enforcement = z.output<typeof enforcementSchema>;

export const procedureDefinitionSchema = z
  .object({
    name: procedureNameSchema,
    version: z.number().int().min(1).max(1_000_000),
    description: text(2000).default(''),
    enforcement: enforcementSchema.default('strict'),
    /** Run parameters the steps use as `{{name}}`; those marked required must be given to `run`. */
    params: z
      .record(
        z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/),
        z.object({ description: text(500).default(''), required: z.boolean().default(true) }).strict(),
      )
      .default({}),
    /** Words a task is matched by (guidance finds procedures by them and by the description). */
    keywords: z.array(text(100, 1)).max(50).default([]),
    steps: z.array(procedureStepSchema).min(1).max(50),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.steps.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${s.id}"` });
      seen.add(s.id);
    });
    for (const [path, value] of templateStrings(p.steps)) {
      for (const name of placeholders(value))
        if (!(name in p.params))
          ctx.addIssue({ code: 'custom', path, message: `"{{${name}}}" is not a declared parameter (params)` });
    }
  });
export type ProcedureDefinition = z.output<typeof procedureDefinitionSchema>;
export type ProcedureDefinitionInput = z.input<typeof procedureDefinitionSchema>;

/** A stored procedure version. */
export interface StoredProcedure {
  name: string;
  version: number;
  description: string;
  enforcement: Enforcement;
  source: 'builtin' | 'file' | 'client';
  definition: ProcedureDefinition;
  createdAt: string;
}

const PLACEHOLDER = /\{\{([a-zA-Z][a-zA-Z0-9_]*)\}\}/g;

function placeholders(value: string): string[] {
  return [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Every string inside the steps, with its path (iterative walk). */
function templateStrings(steps: unknown[]): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const stack: [(string | number)[], unknown][] = steps.map((s, i) => [['steps', i], s]);
  while (stack.length) {
    const [path, value] = stack.pop()!;
    if (typeof value === 'string') out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => stack.push([[...path, i], v]));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) stack.push([[...path, k], v]);
  }
  return out;
}

/**
 * Replaces `{{name}}` in every string of `value` by the run parameter (a whole-string placeholder
 * keeps its JSON type; an absent optional parameter is the empty string).
 */
export function fillTemplate<T>(value: T, params: Record<string, unknown>): T {
  if (typeof value === 'string') {
    const whole = /^\{\{([a-zA-Z][a-zA-Z0-9_]*)\}\}$/.exec(value);
    if (whole) return (params[whole[1]!] ?? '') as T;
    return value.replace(PLACEHOLDER, (_m, name: string) => String(params[name] ?? '')) as T;
  }
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, params)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, params)])) as T;
  return value;
}

/** What the worker offers a definition to refer to. */
export interface ProcedureRegistry {
  remediations: string[];
  healthTargets: string[];
  workflowTypes: string[];
}

/**
 * Issues of a valid definition against what is registered: unknown remediation actions, health
 * targets and workflow types, each naming the step's field.
 */
export function referenceIssues(
  p: ProcedureDefinition,
  registry: ProcedureRegistry,
): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  p.steps.forEach((s, i) => {
    if (s.kind === 'remediation' && !registry.remediations.includes(s.action))
      issues.push({
        field: `steps.${i}.action`,
        message: `"${s.action}" is not a registered remediation (registered: ${list(registry.remediations)})`,
      });
    if (s.kind === 'health' && !registry.healthTargets.includes(s.target) && !/\{\{/.test(s.target))
      issues.push({
        field: `steps.${i}.target`,
        message: `"${s.target}" is not a configured health target (configured: ${list(registry.healthTargets)})`,
      });
    if (s.kind === 'workflow' && !registry.workflowTypes.includes(s.workflowType))
      issues.push({
        field: `steps.${i}.workflowType`,
        message: `"${s.workflowType}" is not a workflow of this worker`,
      });
  });
  return issues;
}
