/**
 * The one typed configuration of BrainOps: the process environment parsed by one zod schema.
 *
 * `envSchema` declares every variable with its default; `configSchema` turns the parsed
 * variables into the nested {@link BrainOpsConfig} that every part of BrainOps receives (its type
 * is inferred from the schema, so there is one definition). Every setting has a default that works
 * on a laptop with nothing installed but Node (an embedded PostgreSQL and a local Temporal dev
 * server). Production sets `TEMPORAL_ADDRESS` and `DATABASE_URL`. A bad value stops start-up with
 * {@link ConfigError}, naming the variable. The README's configuration table is held against
 * `envSchema` by a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ms, { type StringValue } from 'ms';
import { z } from 'zod';
import { healthTargetSchema } from './src/contracts/health';
import { remediationRegistrySchema } from './src/contracts/remediation';
import { findingThresholdsSchema, guardedDatabasesSchema } from './src/contracts/guarded-database';
import { deployTargetsSchema, resolveTarget } from './src/contracts/deploy-target';
import { secretValues, urlPassword } from './src/domain/redact';

/** The project's root: this file's folder, or its parent when run compiled from `dist/`. */
export const PROJECT_ROOT = path.basename(__dirname) === 'dist' ? path.dirname(__dirname) : __dirname;
const projectRoot = PROJECT_ROOT;

/** Thrown when the environment holds a value BrainOps cannot use. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** A positive duration such as "30s", "1m" or "5 minutes", parsed to ms (the grammar of `ms`, as Temporal's own options take). */
const duration = z.string().transform((value, ctx) => {
  let parsed: number | undefined;
  try {
    parsed = ms(value as StringValue);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !Number.isFinite(parsed) || parsed <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as "30s", "1m" or "5 minutes"' });
    return z.NEVER;
  }
  return parsed;
});

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const identifier = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 letters, digits, ".", "_" or "-"');

const json = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not valid JSON (${(error as Error).message})` });
    return z.NEVER;
  }
});

/** A five-field cron expression (minute hour day-of-month month day-of-week), as Temporal Schedules take. */
const cron = z
  .string()
  .trim()
  .refine((value) => /^(\S+\s+){4}\S+$/.test(value) && /^[\d*/,\-\sA-Za-z?]+$/.test(value), {
    message: 'expected a five-field cron expression such as "0 3 * * *"',
  });

/** The environment variables BrainOps reads, with their defaults. */
export const envSchema = z.object({
  /** Temporal frontend `host:port`. Unset: `npm start` runs a local dev server. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  /** @defaultValue `default` */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** @defaultValue `brainops` */
  TEMPORAL_TASK_QUEUE: identifier.default('brainops'),
  /** Use TLS to reach `TEMPORAL_ADDRESS` (implied by an API key or client certificate). */
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  /** Temporal Cloud API key. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Path of a `temporal` CLI binary; wins over every other way of finding one. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** @defaultValue 7233 */
  TEMPORAL_DEV_SERVER_PORT: port.default(7233),
  /** @defaultValue 8233 */
  TEMPORAL_UI_PORT: port.default(8233),
  /** PostgreSQL connection string. Unset: an embedded PostgreSQL under the data directory. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  /** @defaultValue 10 */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  /** Port of the embedded PostgreSQL. @defaultValue 54329 */
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  /** Where the embedded PostgreSQL and the dev server keep their files. @defaultValue `<project>/.brainops` */
  BRAINOPS_DATA_DIR: z.string().min(1).default(path.join(projectRoot, '.brainops')),
  /** Where a Temporal CLI built from source is cached. @defaultValue `~/.cache/brainops` */
  BRAINOPS_CACHE_DIR: z
    .string()
    .min(1)
    .default(path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'brainops')),
  /** JSON array of health targets (see `src/contracts/health.ts`). Default: the memory database and Temporal. */
  BRAINOPS_HEALTH_TARGETS: json.pipe(z.array(healthTargetSchema)).optional(),
  /**
   * Operator-only: let a SystemMonitor run check targets given whole in its input (ad-hoc), not
   * only configured ones named. Off: a workflow input can only name targets. @defaultValue false
   */
  BRAINOPS_ALLOW_AD_HOC_TARGETS: bool.default(false),
  /**
   * JSON object of remediation actions error-learning may apply, by name (see
   * `src/contracts/remediation.ts`), e.g. `{"restart-redis":{"kind":"command","argv":["systemctl","restart","redis"]}}`.
   */
  BRAINOPS_REMEDIATIONS: json.pipe(remediationRegistrySchema).optional(),
  /**
   * JSON array of health target names whose status every tenant's brief shows (system status the
   * operator marked shareable). @defaultValue none
   */
  BRAINOPS_SHARED_STATUS: json.pipe(z.array(z.string().min(1).max(100))).optional(),
  /** Health target name → remediation name: SystemMonitor starts error-learning with it. */
  BRAINOPS_TARGET_REMEDIATIONS: json.pipe(z.record(z.string(), z.string())).optional(),
  /**
   * Alertmanager alert name (`alertname`) → remediation name: error-learning of a firing alert
   * received at `POST /ingest/alertmanager` tries it, like `BRAINOPS_TARGET_REMEDIATIONS`.
   */
  BRAINOPS_ALERT_REMEDIATIONS: json.pipe(z.record(z.string(), z.string())).optional(),
  /**
   * Comma-separated labels an alert's error signature is made of, besides its `alertname`
   * (`src/domain/alert-signature.ts`). @defaultValue `alertname,service,job`
   */
  BRAINOPS_ALERT_SIGNATURE_LABELS: z
    .string()
    .default('alertname,service,job')
    .transform((list) => list.split(',').map((label) => label.trim()))
    .pipe(
      z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected Prometheus label names, comma-separated')).min(1),
    ),
  /**
   * How long a remediation of an alert's error waits for Alertmanager to report the alert resolved
   * before it counts as not verified. @defaultValue `15m`
   */
  BRAINOPS_ALERT_VERIFY_TIMEOUT: duration.default(ms('15m')),
  /** Apply a known solution automatically at or above this confidence (0..1). @defaultValue 0.5 */
  BRAINOPS_AUTO_REMEDIATION_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  /** How long an escalated error waits for a person (resolve, retry, ignore). @defaultValue `24h` */
  BRAINOPS_ESCALATION_TIMEOUT: duration.default(ms('24h')),
  /** Webhook called (POST, JSON) when an error is escalated. */
  BRAINOPS_ESCALATION_WEBHOOK: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * JSON object of deployment targets by name (see `src/contracts/deploy-target.ts`), e.g.
   * `{"web":{"repository":"/srv/git/web.git","directory":"/srv/web","steps":[{"name":"install","argv":["npm","ci"]}],"healthChecks":[{"kind":"http","name":"web","url":"http://127.0.0.1:3000/health"}]}}`.
   */
  BRAINOPS_DEPLOY_TARGETS: json.pipe(deployTargetsSchema).optional(),
  /** How often the SystemMonitor schedule runs. @defaultValue `1m` */
  BRAINOPS_MONITOR_INTERVAL: duration.default(ms('1m')),
  /** Entries kept by the read-through cache of each process. @defaultValue 10000 */
  BRAINOPS_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /**
   * Workflows a worker keeps in memory (each open session is one). Beyond it, the least recently
   * used is evicted and replayed from history when it next gets work. An idle session waits in
   * Temporal, not here: past this many, it costs the worker nothing until its next lifecycle event
   * replays its short history. A cached workflow costs about 6 MB of RSS (`bench:sessions` with
   * 2,000 idle sessions: +1.2 GB with 200 cached, +0.33 GB with 50), and a session's workflow gets
   * few events since messages are data, so a small cache costs little replay.
   * @defaultValue 50
   */
  BRAINOPS_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(50),
  /** How long a session waits to batch messages before persisting them. @defaultValue `200ms` */
  BRAINOPS_SESSION_FLUSH_INTERVAL: duration.default(ms('200ms')),
  /** How long a session may go without a message, task or handoff before it ends itself; `0` never. @defaultValue `24h` */
  BRAINOPS_SESSION_INACTIVITY_TIMEOUT: duration.default(ms('24h')),
  /**
   * Session messages a process holds waiting for their statement (group commit) before it answers
   * 503; one session may hold a tenth of them before it answers 429. @defaultValue `50000`
   */
  BRAINOPS_SESSION_MESSAGES_WAITING: z.coerce.number().int().min(10).max(10_000_000).default(50_000),
  /**
   * JSON array of databases DatabaseGuardian looks after besides the memory database (see
   * `src/contracts/guarded-database.ts`), e.g. `[{"name":"shop","url":"postgres://…/shop","expectedSchema":{"orders":["id","total"]}}]`.
   */
  BRAINOPS_DATABASES: json.pipe(guardedDatabasesSchema).optional(),
  /** Where backups are written (`<dir>/<database>/<database>-<time>.dump`). @defaultValue `<data dir>/backups` */
  BRAINOPS_BACKUP_DIR: z.string().min(1).optional(),
  /** Daily backups kept (the newest of each of the last N days). @defaultValue 7 */
  BRAINOPS_BACKUP_KEEP_DAILY: z.coerce.number().int().min(0).max(3660).default(7),
  /** Weekly backups kept (the newest of each of the last M ISO weeks). @defaultValue 4 */
  BRAINOPS_BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(4),
  /** When the backup schedule runs (cron, UTC). @defaultValue `0 3 * * *` */
  BRAINOPS_BACKUP_CRON: cron.default('0 3 * * *'),
  /** How often DatabaseGuardian checks schema drift and collects performance findings. @defaultValue `1h` */
  BRAINOPS_FINDINGS_INTERVAL: duration.default(ms('1h')),
  /** Directory searched first for `pg_dump`/`pg_restore` matching the server's major version. */
  BRAINOPS_PG_BIN_DIR: z.string().min(1).optional(),
  /** JSON object overriding the thresholds of performance findings (see `src/contracts/guarded-database.ts`). */
  BRAINOPS_FINDING_THRESHOLDS: json.pipe(findingThresholdsSchema).optional(),
  /** pino level. @defaultValue `info` */
  /**
   * Embeddings for semantic search: `local` (word vectors shipped with BrainOps, no network),
   * `openai-compatible` (an `/v1/embeddings` endpoint: OpenAI, Ollama, vLLM, text-embeddings-inference,
   * LM Studio) or `off` (lexical search only). @defaultValue `local`
   */
  BRAINOPS_EMBEDDINGS: z.enum(['local', 'openai-compatible', 'off']).default('local'),
  /** Base URL of the embeddings API, e.g. `http://127.0.0.1:11434/v1` (with `openai-compatible`). */
  BRAINOPS_EMBEDDINGS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Model name the endpoint knows, e.g. `text-embedding-3-small` or `nomic-embed-text`. */
  BRAINOPS_EMBEDDINGS_MODEL: z.string().min(1).max(200).optional(),
  /** Size of the model's vectors, e.g. 1536 or 768. */
  BRAINOPS_EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).max(8192).optional(),
  /** Sent as `Authorization: Bearer …`. */
  BRAINOPS_EMBEDDINGS_API_KEY: z.string().min(1).optional(),
  /** Texts per embeddings request. @defaultValue 64 */
  BRAINOPS_EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),
  /** How long one embeddings request may take. @defaultValue `30s` */
  BRAINOPS_EMBEDDINGS_TIMEOUT: duration.default(ms('30s')),
  /** Address the HTTP/MCP API server listens on. @defaultValue `127.0.0.1` */
  BRAINOPS_API_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of the HTTP/MCP API server (`npm start`, `brainops serve`). @defaultValue 8300 */
  BRAINOPS_API_PORT: z.coerce.number().int().min(0).max(65535).default(8300),
  /** Requests per minute each API key may make; 0 turns the limit off. @defaultValue 6000 */
  BRAINOPS_API_RATE_LIMIT: z.coerce.number().int().min(0).max(10_000_000).default(6000),
  /**
   * Requests with an unknown or malformed API key each client address may make per minute; beyond
   * it the address gets 429 without any key look-up. 0 turns the budget off. @defaultValue 20
   */
  BRAINOPS_API_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /** How long a request (headers and body) may take to arrive; 408 and closed beyond it. @defaultValue `30s` */
  BRAINOPS_API_REQUEST_TIMEOUT: duration.default(ms('30s')),
  /** How long a request's headers may take to arrive (at most the request timeout). @defaultValue `10s` */
  BRAINOPS_API_HEADERS_TIMEOUT: duration.default(ms('10s')),
  /** A connection with no traffic for this long is closed (a request still being answered included). @defaultValue `2m` */
  BRAINOPS_API_IDLE_TIMEOUT: duration.default(ms('2m')),
  /** Connections the API server holds open at once; more are refused. 0: no cap. @defaultValue 1024 */
  BRAINOPS_API_MAX_CONNECTIONS: z.coerce.number().int().min(0).max(1_000_000).default(1024),
  /** Requests one keep-alive connection may carry before the server closes it. 0: no cap. @defaultValue 1000 */
  BRAINOPS_API_MAX_REQUESTS_PER_SOCKET: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  /** Messages one JSON-RPC batch to `/mcp` may hold; a larger batch is refused. @defaultValue 10 */
  BRAINOPS_API_MCP_BATCH_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Largest OTLP request body (`POST /v1/traces`, `/v1/logs`), bytes, as sent and after gzip is
   * undone; larger bodies get 413. @defaultValue 16777216 (16 MiB)
   */
  BRAINOPS_OTLP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(1_073_741_824).default(16_777_216),
  /**
   * Spans (or log records) one OTLP request may carry; the ones beyond are refused and counted in
   * the answer's partial success. @defaultValue 20000
   */
  BRAINOPS_OTLP_MAX_SPANS: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** OTLP requests one server works on at once; more get 503 with `Retry-After`. 0: no cap. @defaultValue 64 */
  BRAINOPS_OTLP_MAX_CONCURRENT: z.coerce.number().int().min(0).max(100_000).default(64),
  /** JSON array of browser origins allowed by CORS, e.g. `["https://app.example.com"]`. @defaultValue none: CORS off */
  BRAINOPS_API_CORS_ORIGINS: json.pipe(z.array(z.url({ protocol: /^https?$/ })).max(100)).optional(),
  /**
   * Days the API's access log keeps a row: the daily learning cycle deletes older rows; 0 keeps
   * them forever. @defaultValue 30
   */
  BRAINOPS_API_ACCESS_LOG_DAYS: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'expected a whole number of days, 0 or more (0: keep forever)')
    .transform(Number)
    .pipe(z.number().max(36_500, 'at most 36500 days (0 keeps rows forever)'))
    .default(30),
  /** The API key `brainops mcp` (stdio) and `brainops hook claude-code` act with. */
  BRAINOPS_API_KEY: z.string().min(1).max(200).optional(),
  /**
   * Base URL of the HTTP API that `brainops hook claude-code` calls.
   * @defaultValue `http://127.0.0.1:<BRAINOPS_API_PORT>`
   */
  BRAINOPS_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The log file of `brainops hook claude-code` (one line per hook call). @defaultValue `~/.brainops/hook.log` */
  BRAINOPS_HOOK_LOG: z.string().min(1).max(4096).optional(),
  /**
   * How long `brainops hook claude-code` may take, from its process's start: it answers within it
   * or gives up (logged). @defaultValue `1s`
   */
  BRAINOPS_HOOK_TIMEOUT: duration.default(ms('1s')),
  /** Serve the web console at `/console` on the API server. @defaultValue true */
  BRAINOPS_CONSOLE: bool.default(true),
  /** How long a console sign-in lasts. @defaultValue `12h` */
  BRAINOPS_CONSOLE_SESSION_TTL: duration.default(ms('12h')),
  /**
   * Base URL of the Temporal Web UI the console links workflows to, e.g. `https://cloud.temporal.io`.
   * @defaultValue the dev server's UI (`http://127.0.0.1:<TEMPORAL_UI_PORT>`) without `TEMPORAL_ADDRESS`; none with it
   */
  BRAINOPS_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Bearer token `/metrics` requires (`Authorization: Bearer <token>`). @defaultValue none: `/metrics` is open */
  BRAINOPS_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').max(200).optional(),
  /**
   * Port on which a worker process also serves `/metrics` (with the Temporal SDK's metrics), on
   * `BRAINOPS_API_HOST`; 0 serves it only on the API server's port. @defaultValue 0
   */
  BRAINOPS_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** pino level. @defaultValue `info` */
  BRAINOPS_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

/** The default health targets: the memory database and Temporal. */
const DEFAULT_HEALTH_TARGETS = [
  { kind: 'postgres', name: 'memory-database', timeoutMs: 5000 },
  { kind: 'temporal', name: 'temporal', timeoutMs: 5000 },
] as const;

/** The environment, parsed and checked, turned into the configuration every part of BrainOps receives. */
export const configSchema = envSchema
  .superRefine((e, ctx) => {
    if (e.BRAINOPS_EMBEDDINGS === 'openai-compatible') {
      for (const name of [
        'BRAINOPS_EMBEDDINGS_URL',
        'BRAINOPS_EMBEDDINGS_MODEL',
        'BRAINOPS_EMBEDDINGS_DIMENSIONS',
      ] as const) {
        if (e[name] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'required with BRAINOPS_EMBEDDINGS=openai-compatible',
          });
        }
      }
    }
    if (e.BRAINOPS_API_HEADERS_TIMEOUT > e.BRAINOPS_API_REQUEST_TIMEOUT) {
      // Node's http server refuses a headers timeout above the request timeout.
      ctx.addIssue({
        code: 'custom',
        path: ['BRAINOPS_API_HEADERS_TIMEOUT'],
        message: 'at most BRAINOPS_API_REQUEST_TIMEOUT (the headers are part of the request)',
      });
    }
    if (e.BRAINOPS_BACKUP_KEEP_DAILY + e.BRAINOPS_BACKUP_KEEP_WEEKLY === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['BRAINOPS_BACKUP_KEEP_DAILY, BRAINOPS_BACKUP_KEEP_WEEKLY'],
        message: 'keep at least one backup (both are 0)',
      });
    }
  })
  .transform((e) => {
    const dataDir = path.resolve(e.BRAINOPS_DATA_DIR);
    return {
      temporal: {
        /** `host:port` of an existing server, or undefined to run the dev server. */
        address: e.TEMPORAL_ADDRESS,
        namespace: e.TEMPORAL_NAMESPACE,
        taskQueue: e.TEMPORAL_TASK_QUEUE,
        tls: e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_CERT_PATH),
        tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
        tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
        apiKey: e.TEMPORAL_API_KEY,
        cliPath: e.TEMPORAL_CLI_PATH,
        devServerPort: e.TEMPORAL_DEV_SERVER_PORT,
        uiPort: e.TEMPORAL_UI_PORT,
      },
      database: {
        /** Explicit URL, or undefined to run the embedded PostgreSQL. */
        url: e.DATABASE_URL,
        poolSize: e.DATABASE_POOL_SIZE,
        embeddedPort: e.EMBEDDED_POSTGRES_PORT,
      },
      dataDir,
      cacheDir: path.resolve(e.BRAINOPS_CACHE_DIR),
      healthTargets: e.BRAINOPS_HEALTH_TARGETS ?? DEFAULT_HEALTH_TARGETS.map((t) => healthTargetSchema.parse(t)),
      /** Health targets whose status every tenant's brief shows. */
      sharedStatus: e.BRAINOPS_SHARED_STATUS ?? [],
      /** Whole targets in a SystemMonitor input are checked (operator-only). */
      allowAdHocTargets: e.BRAINOPS_ALLOW_AD_HOC_TARGETS,
      errorLearning: {
        remediations: e.BRAINOPS_REMEDIATIONS ?? {},
        /** Health target name → remediation name to try first when it goes down. */
        targetRemediations: e.BRAINOPS_TARGET_REMEDIATIONS ?? {},
        /** Alertmanager alert name → remediation name to try when it fires. */
        alertRemediations: e.BRAINOPS_ALERT_REMEDIATIONS ?? {},
        /** Labels of an alert's signature besides its name, in order. */
        alertSignatureLabels: e.BRAINOPS_ALERT_SIGNATURE_LABELS,
        /** ms a remediation of an alert waits for it to be reported resolved. */
        alertVerifyTimeoutMs: e.BRAINOPS_ALERT_VERIFY_TIMEOUT,
        autoRemediationConfidence: e.BRAINOPS_AUTO_REMEDIATION_CONFIDENCE,
        /** ms an escalation waits for a person. */
        escalationTimeoutMs: e.BRAINOPS_ESCALATION_TIMEOUT,
        escalationWebhook: e.BRAINOPS_ESCALATION_WEBHOOK,
      },
      deploy: {
        /** Deployment targets by name, with their defaults applied (DeploymentManager). */
        targets: Object.fromEntries(
          Object.entries(e.BRAINOPS_DEPLOY_TARGETS ?? {}).map(([name, t]) => [name, resolveTarget(name, t)]),
        ),
      },
      schedules: {
        /** Interval of the SystemMonitor schedule, ms. */
        systemMonitorIntervalMs: e.BRAINOPS_MONITOR_INTERVAL,
        /** Cron expression (UTC) of DatabaseGuardian's backup schedule. */
        backupCron: e.BRAINOPS_BACKUP_CRON,
        /** Interval of DatabaseGuardian's schema and findings schedule, ms. */
        findingsIntervalMs: e.BRAINOPS_FINDINGS_INTERVAL,
      },
      guardian: {
        /** Databases besides the memory database. */
        databases: e.BRAINOPS_DATABASES ?? [],
        backupDir: path.resolve(e.BRAINOPS_BACKUP_DIR ?? path.join(dataDir, 'backups')),
        keepDaily: e.BRAINOPS_BACKUP_KEEP_DAILY,
        keepWeekly: e.BRAINOPS_BACKUP_KEEP_WEEKLY,
        /** Searched first for pg_dump/pg_restore. */
        pgBinDir: e.BRAINOPS_PG_BIN_DIR,
        thresholds: e.BRAINOPS_FINDING_THRESHOLDS ?? findingThresholdsSchema.parse({}),
      },
      embeddings: {
        provider: e.BRAINOPS_EMBEDDINGS,
        url: e.BRAINOPS_EMBEDDINGS_URL,
        model: e.BRAINOPS_EMBEDDINGS_MODEL,
        dimensions: e.BRAINOPS_EMBEDDINGS_DIMENSIONS,
        apiKey: e.BRAINOPS_EMBEDDINGS_API_KEY,
        batchSize: e.BRAINOPS_EMBEDDINGS_BATCH_SIZE,
        /** ms one request may take. */
        timeoutMs: e.BRAINOPS_EMBEDDINGS_TIMEOUT,
      },
      api: {
        host: e.BRAINOPS_API_HOST,
        port: e.BRAINOPS_API_PORT,
        /** Requests per minute per key; 0: no limit. */
        rateLimitPerMinute: e.BRAINOPS_API_RATE_LIMIT,
        /** Unknown or malformed keys per client address per minute; 0: no budget. */
        authFailuresPerMinute: e.BRAINOPS_API_AUTH_FAILURE_LIMIT,
        /** ms a request (headers and body) may take to arrive. */
        requestTimeoutMs: e.BRAINOPS_API_REQUEST_TIMEOUT,
        /** ms a request's headers may take to arrive. */
        headersTimeoutMs: e.BRAINOPS_API_HEADERS_TIMEOUT,
        /** ms a connection may stay without traffic. */
        idleTimeoutMs: e.BRAINOPS_API_IDLE_TIMEOUT,
        /** Connections open at once; 0: no cap. */
        maxConnections: e.BRAINOPS_API_MAX_CONNECTIONS,
        /** Requests per keep-alive connection; 0: no cap. */
        maxRequestsPerSocket: e.BRAINOPS_API_MAX_REQUESTS_PER_SOCKET,
        /** Messages per JSON-RPC batch to `/mcp`. */
        mcpBatchMax: e.BRAINOPS_API_MCP_BATCH_MAX,
        /** Origins CORS allows; empty: CORS off. */
        corsOrigins: e.BRAINOPS_API_CORS_ORIGINS ?? [],
        /** Days an access-log row is kept; 0: forever. */
        accessLogDays: e.BRAINOPS_API_ACCESS_LOG_DAYS,
        /** The key `brainops mcp` and `brainops hook claude-code` act with. */
        key: e.BRAINOPS_API_KEY,
        /** Base URL of the HTTP API a client (`brainops hook claude-code`) calls, no trailing slash. */
        url: (e.BRAINOPS_API_URL ?? `http://127.0.0.1:${e.BRAINOPS_API_PORT}`).replace(/\/+$/, ''),
      },
      hook: {
        /** The log file of `brainops hook claude-code`. */
        logFile: path.resolve(e.BRAINOPS_HOOK_LOG ?? path.join(os.homedir(), '.brainops', 'hook.log')),
        /** ms a hook call may take from its process's start. */
        timeoutMs: e.BRAINOPS_HOOK_TIMEOUT,
      },
      otlp: {
        /** Bytes of an OTLP request body, sent and unzipped. */
        maxBodyBytes: e.BRAINOPS_OTLP_MAX_BODY_BYTES,
        /** Spans or log records per OTLP request; the rest are refused (partial success). */
        maxRecordsPerRequest: e.BRAINOPS_OTLP_MAX_SPANS,
        /** OTLP requests worked on at once per server; 0: no cap. */
        maxConcurrent: e.BRAINOPS_OTLP_MAX_CONCURRENT,
      },
      console: {
        enabled: e.BRAINOPS_CONSOLE,
        /** ms a console sign-in lasts. */
        sessionTtlMs: e.BRAINOPS_CONSOLE_SESSION_TTL,
        /** Base URL of the Temporal Web UI; undefined: no links. */
        temporalUiUrl:
          e.BRAINOPS_TEMPORAL_UI_URL ?? (e.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`),
      },
      metrics: {
        /** Bearer token `/metrics` requires; undefined: open. */
        token: e.BRAINOPS_METRICS_TOKEN,
        /** Port of a worker's own `/metrics`; 0: none. */
        workerPort: e.BRAINOPS_WORKER_METRICS_PORT,
      },
      cacheMaxEntries: e.BRAINOPS_CACHE_MAX_ENTRIES,
      /** Workflows cached per worker (200 unless set). */
      maxCachedWorkflows: e.BRAINOPS_MAX_CACHED_WORKFLOWS,
      /** ms a session waits to batch messages before persisting them. */
      sessionFlushIntervalMs: e.BRAINOPS_SESSION_FLUSH_INTERVAL,
      /** ms without a message, task or handoff after which a session ends itself; 0: never. */
      sessionInactivityTimeoutMs: e.BRAINOPS_SESSION_INACTIVITY_TIMEOUT,
      /** Session messages waiting for their statement in one process before 503 (one session: a tenth, then 429). */
      sessionMessagesWaiting: e.BRAINOPS_SESSION_MESSAGES_WAITING,
      logLevel: e.BRAINOPS_LOG_LEVEL,
    };
  });

/** The resolved configuration every part of BrainOps receives; factories take the slice they need. */
export type BrainOpsConfig = z.output<typeof configSchema>;

/** Address a client should dial: the configured server or the local dev server. */
export function temporalAddress(config: BrainOpsConfig): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
}

/**
 * The role the application connects to the embedded PostgreSQL as: LOGIN, NOSUPERUSER,
 * NOBYPASSRLS, owner of the memory database and its tables (src/stack/embedded-postgres.ts creates
 * it; the superuser is used only there, to bootstrap).
 */
export const EMBEDDED_APP_ROLE = 'brainops';

/** The file (mode 0600) holding the generated password of {@link EMBEDDED_APP_ROLE}. */
export function embeddedPasswordFile(config: Pick<BrainOpsConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'postgres-password');
}

/**
 * URL of the memory database: `DATABASE_URL`, or the embedded server's as {@link EMBEDDED_APP_ROLE}
 * with the password the embedded server's first start generated.
 * @throws Error when the embedded server has not generated its password yet (it never started).
 */
export function databaseUrl(config: BrainOpsConfig): string {
  if (config.database.url) return config.database.url;
  const file = embeddedPasswordFile(config);
  let password: string;
  try {
    password = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(
      `no password for the embedded PostgreSQL in ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): start BrainOps once (npm start) with this BRAINOPS_DATA_DIR, or set DATABASE_URL`,
    );
  }
  return `postgres://${EMBEDDED_APP_ROLE}:${encodeURIComponent(password)}@127.0.0.1:${config.database.embeddedPort}/brainops`;
}

/**
 * Parses the environment into a {@link BrainOpsConfig}. Empty variables count as unset.
 * @throws ConfigError naming each bad variable and what it expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BrainOpsConfig {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}

/** Keys of configuration values that are secrets whole (API keys, header values, a command's env). */
const SECRET_CONFIG_KEY = /(?:password|secret|token|apikey|api_key|privatekey|private_key)$/i;

/**
 * The secret values of a configuration, redacted from everything BrainOps stores or logs: API keys,
 * passwords of every URL in it (`DATABASE_URL`, health targets, guarded databases, webhooks), the
 * values of commands' and steps' `env` and of webhook `headers`, and the worker's own
 * secret-named environment variables (`*_PASSWORD`, `*_TOKEN`, `*_SECRET`, `*_API_KEY`, `*_KEY`).
 */
export function configuredSecrets(config: BrainOpsConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>(secretValues(env));
  const add = (v: string) => {
    if (v.length >= 6) out.add(v);
  };
  const walk = (v: unknown, key: string, inSecretMap: boolean): void => {
    if (typeof v === 'string') {
      if (inSecretMap || SECRET_CONFIG_KEY.test(key)) add(v);
      const password = urlPassword(v);
      if (password) add(password);
      return;
    }
    if (Array.isArray(v)) return v.forEach((x) => walk(x, key, false));
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, k === 'env' || k === 'headers');
  };
  walk(config, '', false);
  // Before the embedded server's first start there is no password yet, so none to redact.
  const url = config.database.url ?? (fs.existsSync(embeddedPasswordFile(config)) ? databaseUrl(config) : undefined);
  const password = url && urlPassword(url);
  if (password) add(password);
  return [...out];
}
