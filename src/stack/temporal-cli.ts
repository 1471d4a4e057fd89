/**
 * Finds the Temporal CLI that runs the local dev server (with its Web UI), in this order:
 * 1. `TEMPORAL_CLI_PATH`;
 * 2. `temporal` on PATH;
 * 3. a build cached under `<cache dir>/temporal-cli/<version>/temporal`, outside the clone;
 * 4. a fresh `go install` of the pinned release from the Go module proxy into that cache (takes
 *    minutes; progress is printed);
 * 5. the Temporal SDK's own cached download (needs internet access).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** Pinned CLI release; v1.5.1 builds with plain `go install` (later ones need a wrapper module). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Where the dev-server binary comes from: a path, or the SDK's download. */
export type TemporalCliSource =
  | { type: 'existing-path'; path: string; origin: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go install' }
  | { type: 'cached-download'; origin: 'sdk download' };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Path of the cached build for the pinned version. */
export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

/**
 * Builds the pinned CLI with `go install` into the cache, printing Go's progress.
 * Builds into a temporary directory first so an interrupted build never leaves a broken binary.
 * @throws Error when Go fails (its output is in the message).
 */
export async function buildCli(cacheDir: string, go: string, logger: Logger): Promise<string> {
  const target = cachedCliPath(cacheDir);
  const staging = `${path.dirname(target)}.building-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  logger.info(
    `building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only; takes a few minutes)…`,
  );
  const started = Date.now();
  const progress = setInterval(
    () => logger.info(`…still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', '-x=false', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: staging, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        stderr = (stderr + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim()) logger.debug(`go: ${line.trim()}`);
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install failed (exit ${code}):\n${stderr}`)),
      );
    });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(staging, 'temporal'), target);
    logger.info(`built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
    return target;
  } finally {
    clearInterval(progress);
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Resolves the dev-server binary (see the module comment for the order).
 * @throws Error when `TEMPORAL_CLI_PATH` names no executable file.
 */
export async function resolveTemporalCli(opts: {
  cliPath?: string;
  cacheDir: string;
  logger: Logger;
}): Promise<TemporalCliSource> {
  if (opts.cliPath) {
    if (!isExecutable(opts.cliPath)) throw new Error(`TEMPORAL_CLI_PATH: ${opts.cliPath} is not an executable file`);
    return { type: 'existing-path', path: opts.cliPath, origin: 'TEMPORAL_CLI_PATH' };
  }
  const found = onPath('temporal');
  if (found) return { type: 'existing-path', path: found, origin: 'PATH' };
  const cached = cachedCliPath(opts.cacheDir);
  if (isExecutable(cached)) return { type: 'existing-path', path: cached, origin: 'cache' };
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (go) {
    try {
      return { type: 'existing-path', path: await buildCli(opts.cacheDir, go, opts.logger), origin: 'go install' };
    } catch (error) {
      opts.logger.warn({ err: error }, 'could not build the Temporal CLI; falling back to the SDK download');
    }
  }
  return { type: 'cached-download', origin: 'sdk download' };
}
