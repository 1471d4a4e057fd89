import { z } from 'zod';

/**
 * A thing SystemMonitor checks. Declared in `BRAINOPS_HEALTH_TARGETS` (JSON array) or passed to
 * `systemMonitorWorkflow`. `timeoutMs` bounds one check (default 5000 ms).
 */
export const healthTargetSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('postgres'),
    name: z.string().min(1).max(100),
    /** Defaults to the memory database. */
    url: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().max(120_000).default(5000),
  }),
  z.object({
    kind: z.literal('temporal'),
    name: z.string().min(1).max(100),
    timeoutMs: z.number().int().positive().max(120_000).default(5000),
  }),
  z.object({
    kind: z.literal('http'),
    name: z.string().min(1).max(100),
    url: z.url({ protocol: /^https?$/ }),
    expectStatus: z.number().int().min(100).max(599).default(200),
    timeoutMs: z.number().int().positive().max(120_000).default(5000),
  }),
  z.object({
    kind: z.literal('tcp'),
    name: z.string().min(1).max(100),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    timeoutMs: z.number().int().positive().max(120_000).default(5000),
  }),
  z.object({
    /** Up when the command exits 0 (argv from configuration, run with no shell). */
    kind: z.literal('command'),
    name: z.string().min(1).max(100),
    argv: z.array(z.string().min(1)).min(1),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.number().int().positive().max(120_000).default(5000),
  }),
]);

/** One configured health target (see {@link healthTargetSchema}). */
export type HealthTarget = z.output<typeof healthTargetSchema>;

/** The outcome of one check. `latencyMs` is wall time of the probe in ms. */
export interface HealthCheckResult {
  target: string;
  kind: HealthTarget['kind'];
  status: 'up' | 'down';
  latencyMs: number;
  /** Why the target is down; absent when up. */
  error?: string;
  /** ISO-8601 time the check finished. */
  checkedAt: string;
}

/** A target whose status differs from its previous check. */
export interface HealthTransition {
  target: string;
  from: 'up' | 'down' | 'unknown';
  to: 'up' | 'down';
}

/**
 * How a workflow names a health check: by `name`, resolved from the worker's configuration when the
 * activity runs (`BRAINOPS_HEALTH_TARGETS`, or a deployment environment's `healthChecks` when
 * `deployment` is given). Workflows never carry URLs, argv or environment variables; an unknown
 * name is a non-retryable `ValidationError`. `adHoc` (a whole target) is accepted only when the
 * operator set `BRAINOPS_ALLOW_AD_HOC_TARGETS`.
 */
export const healthCheckRefSchema = z.object({
  name: z.string().min(1).max(100),
  deployment: z.object({ target: z.string().min(1).max(200), environment: z.string().min(1).max(200) }).optional(),
  adHoc: z.unknown().optional(),
});
export type HealthCheckRef = z.output<typeof healthCheckRefSchema>;

/** A health check as a workflow sees it: its name, kind and timeout — nothing that runs. */
export interface PlannedHealthCheck {
  name: string;
  kind: HealthTarget['kind'];
  timeoutMs: number;
  /** A target given whole in the workflow's input (operator-only `BRAINOPS_ALLOW_AD_HOC_TARGETS`). */
  adHoc?: boolean;
}

/** The workflow-safe part of a target. */
export function plannedHealthCheck(t: HealthTarget): PlannedHealthCheck {
  return { name: t.name, kind: t.kind, timeoutMs: t.timeoutMs };
}

/** The names SystemMonitor's input may give (`targets`): names of configured targets. */
export const healthTargetNamesSchema = z.array(z.string().min(1).max(100)).max(1000);
