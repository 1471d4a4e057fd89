/**
 * Remediation actions: the only things error-learning may do to the world. Each is declared by
 * name in configuration (`BRAINOPS_REMEDIATIONS`); a knowledge-base row can only name one and pass
 * parameters that the action kind's schema accepts. Nothing read from memory is ever run as code
 * or shell: commands are argv arrays from configuration, run without a shell.
 */
import { z } from 'zod';
import { ValidationError } from './errors';

const timeoutMs = z.number().int().positive().max(600_000);

/** Declarations, as written in `BRAINOPS_REMEDIATIONS` (a JSON object of name → declaration). */
export const remediationSchema = z.discriminatedUnion('kind', [
  z.object({
    /** Run an allowlisted command (restart a service, clear a cache, …). */
    kind: z.literal('command'),
    argv: z.array(z.string().min(1)).min(1),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).default({}),
    timeoutMs: timeoutMs.default(30_000),
    description: z.string().optional(),
  }),
  z.object({
    /** Call an HTTP webhook (a deploy hook, a service's own repair endpoint, an alert). */
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: timeoutMs.default(10_000),
    description: z.string().optional(),
  }),
  z.object({
    /** Re-run a Temporal workflow (a repair or resync job) and wait for it to complete. */
    kind: z.literal('workflow'),
    workflowType: z.string().min(1),
    taskQueue: z.string().min(1).optional(),
    args: z.array(z.json()).default([]),
    timeoutMs: timeoutMs.default(300_000),
    description: z.string().optional(),
  }),
  z.object({
    /**
     * Reset a Temporal workflow execution (Temporal docs, "Reset"): a new run replays its history
     * up to the chosen workflow task and goes on from there, re-running the work after it. Without
     * `workflowId`, the workflow the error came from. Waits for the new run when `wait` is set.
     */
    kind: z.literal('workflow-reset'),
    workflowId: z.string().min(1).optional(),
    resetTo: z.enum(['first-workflow-task', 'last-workflow-task']).default('last-workflow-task'),
    wait: z.boolean().default(true),
    timeoutMs: timeoutMs.default(300_000),
    description: z.string().optional(),
  }),
  z.object({
    /**
     * Several registered actions in order, run as a child workflow of error-learning so each step
     * is its own durable activity; it stops at the first step that fails.
     */
    kind: z.literal('sequence'),
    steps: z.array(z.string().min(1)).min(1).max(20),
    description: z.string().optional(),
  }),
  z.object({
    /** Wait, then let verification decide (transient faults). */
    kind: z.literal('wait'),
    delayMs: z.number().int().min(0).max(600_000).default(1000),
    description: z.string().optional(),
  }),
]);
export type Remediation = z.output<typeof remediationSchema>;
export type RemediationRegistry = Record<string, Remediation>;

export const remediationNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected 1-64 lower-case letters, digits, ".", "_" or "-"');
/** The registry: a sequence may only name registered actions that are not sequences themselves. */
export const remediationRegistrySchema = z
  .record(remediationNameSchema, remediationSchema)
  .superRefine((registry, ctx) => {
    for (const [name, r] of Object.entries(registry)) {
      if (r.kind !== 'sequence') continue;
      r.steps.forEach((step, i) => {
        const declared = registry[step];
        if (!declared)
          ctx.addIssue({
            code: 'custom',
            path: [name, 'steps', i],
            message: `"${step}" is not a registered remediation`,
          });
        else if (declared.kind === 'sequence')
          ctx.addIssue({
            code: 'custom',
            path: [name, 'steps', i],
            message: `"${step}" is a sequence; sequences cannot nest`,
          });
      });
    }
  });

/** What a knowledge-base row may pass to each kind: nothing that could become a command. */
const PARAMS: Record<Remediation['kind'], z.ZodType> = {
  command: z.object({}).strict(),
  webhook: z.object({ body: z.record(z.string(), z.json()).optional() }).strict(),
  wait: z.object({ delayMs: z.number().int().min(0).max(600_000).optional() }).strict(),
  workflow: z.object({}).strict(),
  'workflow-reset': z.object({}).strict(),
  sequence: z.object({}).strict(),
};

/**
 * Checks that `action` is registered and `params` fit its kind.
 * @throws ValidationError naming `action` or the bad `params` field.
 */
export function validateRemediation(
  registry: RemediationRegistry,
  action: string,
  params: unknown,
): Record<string, unknown> {
  const declared = registry[action];
  if (!declared) {
    const known = Object.keys(registry);
    throw new ValidationError('remediation', [
      {
        field: 'action',
        message: `"${action}" is not a registered remediation (registered: ${known.length ? known.join(', ') : 'none'})`,
      },
    ]);
  }
  const parsed = PARAMS[declared.kind].safeParse(params ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      'remediation',
      parsed.error.issues.map((i) => ({
        field: ['params', ...i.path].join('.'),
        message: `${i.message} (for a ${declared.kind} action)`,
      })),
    );
  }
  return parsed.data as Record<string, unknown>;
}
