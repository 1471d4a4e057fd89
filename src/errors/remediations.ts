/**
 * Remediation actions: the only things error-learning may do to the world. Each is declared by
 * name in configuration (`BRAINOPS_REMEDIATIONS`); a knowledge-base row can only name one and pass
 * parameters that the action kind's schema accepts. Nothing read from memory is ever run as code
 * or shell: commands are argv arrays from configuration, run without a shell.
 */
import { z } from 'zod';
import { ValidationError } from '../shared/errors';

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
    /** Wait, then let verification decide (transient faults). */
    kind: z.literal('wait'),
    delayMs: z.number().int().min(0).max(600_000).default(1000),
    description: z.string().optional(),
  }),
]);
export type Remediation = z.output<typeof remediationSchema>;
export type RemediationRegistry = Record<string, Remediation>;

export const remediationNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected 1-64 lower-case letters, digits, ".", "_" or "-"');
export const remediationRegistrySchema = z.record(remediationNameSchema, remediationSchema);

/** What a knowledge-base row may pass to each kind: nothing that could become a command. */
const PARAMS: Record<Remediation['kind'], z.ZodType> = {
  command: z.object({}).strict(),
  webhook: z.object({ body: z.record(z.string(), z.json()).optional() }).strict(),
  wait: z.object({ delayMs: z.number().int().min(0).max(600_000).optional() }).strict(),
  workflow: z.object({}).strict(),
};

/**
 * Checks that `action` is registered and `params` fit its kind.
 * @throws ValidationError naming `action` or the bad `params` field.
 */
export function validateRemediation(registry: RemediationRegistry, action: string, params: unknown): Record<string, unknown> {
  const declared = registry[action];
  if (!declared) {
    const known = Object.keys(registry);
    throw new ValidationError('remediation', [
      { field: 'action', message: `"${action}" is not a registered remediation (registered: ${known.length ? known.join(', ') : 'none'})` },
    ]);
  }
  const parsed = PARAMS[declared.kind].safeParse(params ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      'remediation',
      parsed.error.issues.map((i) => ({ field: ['params', ...i.path].join('.'), message: `${i.message} (for a ${declared.kind} action)` })),
    );
  }
  return parsed.data as Record<string, unknown>;
}
