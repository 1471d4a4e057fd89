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
