/**
 * Deployment targets: what DeploymentManager may deploy, declared in configuration
 * (`BRAINOPS_DEPLOY_TARGETS`, a JSON object of name → target). A workflow names a target; the
 * worker resolves it from its own configuration, so nothing a caller sends is ever run as a command.
 * Safe to import from workflow code as types only.
 */
import { z } from 'zod';
import { healthTargetSchema, plannedHealthCheck, type PlannedHealthCheck } from './health';

const argv = z.array(z.string().min(1)).min(1, 'expected at least the program to run');
const timeoutMs = z
  .number()
  .int()
  .positive()
  .max(24 * 3600 * 1000);
const env = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string());
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected 1-64 lower-case letters, digits, ".", "_" or "-"');

/** Refs a deployment may name: branch, tag, sha, `HEAD~1`…; never an option (`-…`). */
export const gitRefSchema = z
  .string()
  .regex(/^(?!-)[A-Za-z0-9._/@{}~^+-]{1,200}$/, 'expected a git ref (branch, tag or commit), not starting with "-"');

/** One build step: an argv run with no shell in the release tree, bounded by `timeoutMs`. */
export const deployStepSchema = z.object({
  name,
  argv,
  /** @defaultValue 10 minutes */
  timeoutMs: timeoutMs.default(600_000),
  /** Added to the step's environment (see README: steps do not inherit the worker's secrets). */
  env: env.default({}),
  /** Undoes what the step did outside its release tree; run when the deployment is rolled back. */
  compensate: argv.optional(),
});
export type DeployStep = z.output<typeof deployStepSchema>;

/** A command run after a release is switched (restart the service), in the `current` tree. */
const restartSchema = z.object({ argv, timeoutMs: timeoutMs.default(60_000), env: env.default({}) });

/** How a built release goes live. */
export const releaseMethodSchema = z.discriminatedUnion('kind', [
  z.object({
    /** Capistrano-style: `<directory>/releases/<sha>`, the `current` symlink switched atomically. */
    kind: z.literal('symlink'),
    /** Holds `releases/` and `current`. @defaultValue the target's `directory` */
    directory: z.string().min(1).optional(),
    /** Releases kept (the live one and the one before it are always kept). @defaultValue 5 */
    keep: z.number().int().min(2).max(100).default(5),
    restart: restartSchema.optional(),
  }),
  z.object({
    /** A deploy hook (Render-style): POST `{target, environment, ref, commit}` to `url`. */
    kind: z.literal('hook'),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
    /**
     * Polled until it answers 2xx with a body containing the commit sha; without it, the health
     * checks are polled until they pass.
     */
    statusUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** How long the release may take to go live. @defaultValue 10 minutes */
    timeoutMs: timeoutMs.default(600_000),
    /** @defaultValue 5000 */
    pollIntervalMs: z.number().int().min(100).max(600_000).default(5000),
  }),
]);
export type ReleaseMethod = z.output<typeof releaseMethodSchema>;

/** An environment a release goes through in order (staging → production). */
const environmentSchema = z.object({
  name,
  /** @defaultValue the target's `release` */
  release: releaseMethodSchema.optional(),
  /** @defaultValue the target's `healthChecks` */
  healthChecks: z.array(healthTargetSchema).optional(),
  /** Wait for an `approve` signal before releasing to this environment. @defaultValue false */
  approval: z.boolean().default(false),
});

/** A deployment target as declared. */
export const deployTargetSchema = z
  .object({
    /** A local path or URL `git clone` accepts. */
    repository: z.string().min(1),
    /** Absolute path of the deployment's working directory (mirror, `releases/`, `current`). */
    directory: z.string().regex(/^\//, 'expected an absolute path'),
    steps: z.array(deployStepSchema).default([]),
    release: releaseMethodSchema.default({ kind: 'symlink', keep: 5 }),
    /** Checks (SystemMonitor's kinds) that prove a release works. */
    healthChecks: z.array(healthTargetSchema).default([]),
    environments: z.array(environmentSchema).min(1).optional(),
    /** Verification: every check must pass within `attempts` rounds, `intervalMs` apart. */
    verify: z
      .object({
        attempts: z.number().int().min(1).max(1000).default(5),
        intervalMs: z.number().int().min(0).max(600_000).default(2000),
      })
      .default({ attempts: 5, intervalMs: 2000 }),
    /** Risk (0..1) at which the pre-check asks for approval, and at which it blocks. */
    precheck: z
      .object({ approveAt: z.number().min(0).max(1).default(0.5), blockAt: z.number().min(0).max(1).default(0.9) })
      .refine((p) => p.approveAt <= p.blockAt, { message: 'approveAt must not exceed blockAt' })
      .default({ approveAt: 0.5, blockAt: 0.9 }),
    /** How long an approval gate waits for `approve` or `reject`. @defaultValue 24 h */
    approvalTimeoutMs: timeoutMs.default(24 * 3600 * 1000),
    /**
     * A step attempt that stops heartbeating this long is retried elsewhere (a lost worker); a
     * cancel reaches a running step within 80% of it. @defaultValue 10 s
     */
    heartbeatTimeoutMs: z.number().int().min(1000).max(600_000).default(10_000),
  })
  .superRefine((t, ctx) => {
    const steps = new Set<string>();
    t.steps.forEach((s, i) => {
      if (steps.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: `duplicate step name "${s.name}"` });
      steps.add(s.name);
    });
    const envs = new Set<string>();
    t.environments?.forEach((e, i) => {
      if (envs.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'name'],
          message: `duplicate environment "${e.name}"`,
        });
      envs.add(e.name);
    });
  });

/** `BRAINOPS_DEPLOY_TARGETS`: target name → target. */
export const deployTargetsSchema = z.record(name, deployTargetSchema);
export type DeployTargetConfig = z.output<typeof deployTargetSchema>;

/** One environment as the workflow sees it: release method and checks resolved. */
export interface ResolvedEnvironment {
  name: string;
  release: ReleaseMethod;
  /** Absolute directory holding `releases/` and `current` (symlink releases). */
  directory: string;
  healthChecks: z.output<typeof healthTargetSchema>[];
  approval: boolean;
}

/** A target with its defaults applied: what `deploymentWorkflow` runs. */
export interface ResolvedTarget extends Omit<DeployTargetConfig, 'environments' | 'release' | 'healthChecks'> {
  name: string;
  environments: ResolvedEnvironment[];
}

/**
 * Fills in each environment's release method, directory and checks from the target's; a target
 * without `environments` has one, named `default`.
 */
export function resolveTarget(targetName: string, t: DeployTargetConfig): ResolvedTarget {
  const { environments, release, healthChecks, ...rest } = t;
  const envs = environments ?? [{ name: 'default', approval: false }];
  return {
    ...rest,
    name: targetName,
    environments: envs.map((e) => {
      const r = e.release ?? release;
      return {
        name: e.name,
        release: r,
        directory: r.kind === 'symlink' && r.directory ? r.directory : t.directory,
        healthChecks: e.healthChecks ?? healthChecks,
        approval: e.approval,
      };
    }),
  };
}

/** One environment as a deployment workflow sees it (see {@link DeploymentPlan}). */
export interface PlannedEnvironment {
  name: string;
  releaseKind: ReleaseMethod['kind'];
  directory: string;
  /** Names, kinds and timeouts: the checks' URLs, argv and env stay in the worker's configuration. */
  healthChecks: PlannedHealthCheck[];
  approval: boolean;
}

/**
 * What `deploymentWorkflow` needs of its target: names, timeouts, directories, gates and checks.
 * Commands, environment variables, the repository and hook URLs and headers are left out: they may
 * hold credentials, and whatever an activity returns is kept in the workflow's history. The worker
 * looks them up in its own configuration when an activity runs.
 */
export interface DeploymentPlan extends Pick<
  ResolvedTarget,
  'name' | 'directory' | 'verify' | 'approvalTimeoutMs' | 'heartbeatTimeoutMs'
> {
  steps: { name: string; timeoutMs: number; compensates: boolean }[];
  environments: PlannedEnvironment[];
}

export function deploymentPlan(t: ResolvedTarget): DeploymentPlan {
  return {
    name: t.name,
    directory: t.directory,
    verify: t.verify,
    approvalTimeoutMs: t.approvalTimeoutMs,
    heartbeatTimeoutMs: t.heartbeatTimeoutMs,
    steps: t.steps.map((s) => ({ name: s.name, timeoutMs: s.timeoutMs, compensates: s.compensate !== undefined })),
    environments: t.environments.map((e) => ({
      name: e.name,
      releaseKind: e.release.kind,
      directory: e.directory,
      healthChecks: e.healthChecks.map(plannedHealthCheck),
      approval: e.approval,
    })),
  };
}
