/**
 * Helpers shared by the benchmarks: environment knobs, latency summaries (percentiles), plain-text
 * tables, bounded concurrency, and the PostgreSQL a benchmark runs against (a throwaway embedded
 * server, or a scratch database on the server of `DATABASE_URL`).
 */
import { isBuildFresh } from '../bin/build-stamp.cjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino, { type Logger } from 'pino';
import { ensureDatabase, startEmbeddedPostgres } from '../src/stack/embedded-postgres';
import { redact, withDatabase } from '../src/domain/database-url';

/** Logs go to stderr (warnings and worse unless `BENCH_LOG_LEVEL`), so stdout holds only figures. */
export function createBenchLogger(name: string): Logger {
  return pino({ name, level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
}

/** A positive integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: expected a positive integer, got "${raw}"`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = () => performance.now();

// ---------------------------------------------------------------------------------------------
// Latency summaries

export interface LatencySummary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** The `p`-th percentile (0-100) of ascending `sorted`, interpolated between closest ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, x) => acc + x, 0);
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** A latency in ms with precision that suits its size (3 decimals below 1 ms). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0);
}

export function fmtMb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** Header and row cells of a latency table: n, p50, p95, p99, mean, max (ms). */
export const LATENCY_HEADERS = ['n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms', 'max ms'];
export function latencyCells(s: LatencySummary): string[] {
  return [String(s.n), fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.mean), fmtMs(s.max)];
}

/** Prints a plain-text table: first column left-aligned, the others right-aligned. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Prints `label: value` lines with the values aligned. */
export function printFacts(facts: readonly (readonly [string, string])[]): void {
  const width = Math.max(...facts.map(([label]) => label.length));
  for (const [label, value] of facts) console.log(`  ${`${label}:`.padEnd(width + 1)} ${value}`);
}

export function heading(text: string): void {
  console.log(`\n${text}\n${'='.repeat(text.length)}`);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects on the first failure. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Polls `check` every `intervalMs` until it returns true. @throws Error naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** Scratch database used on the server of `DATABASE_URL` (dropped and recreated each run). */
export const SCRATCH_DATABASE = 'brainops_bench';

export interface BenchDatabase {
  url: string;
  /** Human-readable description of where the data lives. */
  description: string;
  /** Stops the embedded server and removes its files (no-op for `DATABASE_URL`). */
  stop(): Promise<void>;
}

/**
 * With `DATABASE_URL`: drops and recreates the scratch database `brainops_bench` on that server.
 * Otherwise: a non-persistent embedded PostgreSQL in a fresh directory under the OS temp dir,
 * on `port`, with database `database`.
 */
export async function startBenchDatabase(opts: {
  port: number;
  database: string;
  logger: Logger;
}): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const current = decodeURIComponent(new URL(external).pathname.slice(1));
    const adminUrl = current === SCRATCH_DATABASE || current === '' ? withDatabase(external, 'postgres') : external;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${SCRATCH_DATABASE} with (force)`);
    } finally {
      await admin.end();
    }
    await ensureDatabase(adminUrl, SCRATCH_DATABASE);
    const url = withDatabase(external, SCRATCH_DATABASE);
    return { url, description: `scratch database ${redact(url)} (from DATABASE_URL)`, stop: async () => undefined };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-bench-'));
  // As root the server runs as the `postgres` user, which must be able to enter the directory.
  fs.chmodSync(dataDir, 0o755);
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    const pg = await startEmbeddedPostgres({
      dataDir,
      port: opts.port,
      database: opts.database,
      logger: opts.logger,
      ephemeral: true,
    });
    return {
      url: pg.url,
      description: `embedded PostgreSQL on 127.0.0.1:${opts.port}, database "${opts.database}", data in ${dataDir}`,
      stop: async () => {
        try {
          await pg.stop();
        } finally {
          removeDir();
        }
      },
    };
  } catch (error) {
    removeDir();
    throw error;
  }
}

/** `server_version` of the database at `url`. */
export async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version ?? '?';
  } finally {
    await client.end();
  }
}

/** One line describing the machine, for the top of a report. */
/** Whether `bin/brainops.cjs` runs the compiled build (dist/ current), as it decides itself; otherwise it runs the sources through tsx. */
export function runsCompiledBuild(root: string): boolean {
  return isBuildFresh(root);
}

/** The facts of a CLI benchmark's process runs: which code `brainops` runs, and the load average now. */
export function cliRunFacts(root: string): [string, string][] {
  return [
    [
      'brainops runs',
      runsCompiledBuild(root)
        ? 'the compiled build (dist/)'
        : 'the TypeScript sources through tsx (dist/ stale: npm run build)',
    ],
    [
      'load average',
      os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    ],
  ];
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus.length} CPU (${cpus[0]?.model.trim() ?? '?'}), ${fmtMb(os.totalmem())} MB RAM, ${os.platform()} ${os.release()}`;
}

/**
 * Makes sure the process ends: after the benchmark's own clean-up, anything still holding the
 * event loop open gets `graceMs` before the process exits with `code`.
 */
export function exitAfterCleanup(code: number, logger: Logger, graceMs = 10_000): void {
  process.exitCode = code;
  setTimeout(() => {
    logger.warn(`handles still open ${graceMs} ms after clean-up; exiting`);
    process.exit(code);
  }, graceMs).unref();
}

/** Runs a benchmark's `main`, printing its error if it fails, and makes sure the process ends. */
export function runBench(main: () => Promise<void>, logger: Logger): void {
  main().then(
    () => exitAfterCleanup(0, logger),
    (error: unknown) => {
      console.error(error);
      exitAfterCleanup(1, logger);
    },
  );
}
