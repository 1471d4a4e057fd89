/**
 * Runs one argv with no shell: bounded by a timeout, output kept as a bounded tail, heartbeats
 * with the tail while it runs, and stopped (its whole process group) when the activity is
 * cancelled or times out.
 */
import { spawn } from 'node:child_process';
import { Context } from '@temporalio/activity';
import { OutputTail } from './output-tail';

/** How a run ended. `durationMs` is wall time in ms; `tail` the last 8 KiB of stdout + stderr. */
export interface ArgvResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  tail: string;
  /** Bytes of output in all. */
  outputBytes: number;
  durationMs: number;
}

/**
 * How often a running activity heartbeats (ms). Well under the smallest heartbeat timeout a target
 * may set (1 s): a beat every second against a 1 s timeout misses it by any jitter. The SDK sends
 * at most one heartbeat per 80% of the timeout, so beating often costs nothing on the wire.
 */
export const HEARTBEAT_MS = 200;

/** Variables a step inherits from the worker: enough to find programs, nothing secret. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'NODE_OPTIONS'];

/** The worker's harmless variables plus `extra` (a step's own and the deployment's). */
export function stepEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...commandEnvironment(extra), CI: 'true', ...extra };
}

/**
 * The environment of a command the worker runs (a health check, a remediation): the worker's
 * harmless variables (`PATH`, `HOME`, `USER`, `LANG`, `LC_ALL`, `TMPDIR`, `TZ`, `NODE_OPTIONS`)
 * and the command's own configured `env` — never the worker's secrets (`DATABASE_URL`, API keys).
 */
export function commandEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])),
  );
  return { ...base, ...extra };
}

/** Kills the process group: a step's own children (npm → node → …) stop with it. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs `argv` in `cwd`. Never throws for a failing command (the result says how it ended); throws
 * only when the program cannot be started. Heartbeats every `heartbeatMs` inside an activity,
 * with the output tail, or by calling `onBeat` when given (a caller with its own progress to report).
 */
export function runArgv(opts: {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  heartbeatMs?: number;
  tailBytes?: number;
  onBeat?: () => void;
}): Promise<ArgvResult> {
  const context = Context.current();
  const tail = new OutputTail(opts.tailBytes);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const [file, ...args] = opts.argv;
    const child = spawn(file!, args, {
      cwd: opts.cwd,
      env: opts.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const beat = setInterval(
      () => (opts.onBeat ? opts.onBeat() : context.heartbeat({ tail: tail.text() })),
      opts.heartbeatMs ?? HEARTBEAT_MS,
    );
    const onCancel = () => {
      cancelled = true;
      stop();
    };
    context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    child.stdout.on('data', (chunk: Buffer) => tail.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.write(chunk));
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearInterval(beat);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    };
    child.once('error', (error) => {
      cleanup();
      reject(new Error(`cannot run ${file}: ${error.message}`));
    });
    child.once('close', (exitCode, signal) => {
      cleanup();
      resolve({
        exitCode,
        signal,
        timedOut,
        cancelled,
        tail: tail.text(),
        outputBytes: tail.total,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

/** Lines that say nothing about the error: blank ones and npm's pointer to its log file. */
const NOISE = /A complete log of this run can be found in|^\s*$/;
/** Lines a package manager wraps a failed script in: the script's own error comes first. */
const WRAPPER = /^(npm (ERR!|error)|yarn (error|ERR)|pnpm ERR)/i;
const ERROR_WORD = /\berr(or)?\b|failed|fatal|exception/i;

/**
 * The output line that best says what went wrong, for messages and error signatures: among the
 * last 20 lines, the last one mentioning an error that a package manager did not print, else the
 * last one mentioning an error, else the last line (npm's log-file pointer and blanks skipped).
 */
export function telltaleLine(tail: string): string {
  const lines = tail
    .trimEnd()
    .split('\n')
    .slice(-20)
    .filter((l) => !NOISE.test(l));
  const telling = lines.filter((l) => ERROR_WORD.test(l));
  const line = telling.filter((l) => !WRAPPER.test(l)).at(-1) ?? telling.at(-1) ?? lines.at(-1) ?? '';
  return line.trim().slice(0, 300);
}

/** One line saying how a run ended, for error messages (its telltale output line included). */
export function describeEnd(what: string, r: ArgvResult, timeoutMs: number): string {
  const lastLine = telltaleLine(r.tail);
  const how = r.timedOut
    ? `timed out after ${timeoutMs} ms`
    : r.cancelled
      ? 'was cancelled'
      : r.signal
        ? `was killed by ${r.signal}`
        : `exited with code ${r.exitCode}`;
  return `${what} ${how}${lastLine ? `: ${lastLine}` : ''}`;
}
