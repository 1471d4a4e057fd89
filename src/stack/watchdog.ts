/**
 * The watchdog of `npm start`: a small process of its own (its own session, so Ctrl-C in the
 * terminal does not reach it) that holds the read end of a pipe from BrainOps. BrainOps tells it
 * which servers to look after (one JSON line each) and says `bye` after stopping them itself.
 * When the pipe closes without `bye` — BrainOps died, even by SIGKILL, which closes every file it
 * had open — the watchdog stops the servers it was told about, checking first that each is still
 * this data directory's (see `ownership.ts`), then exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { stopOwnDevServer, stopOwnPostmaster } from './ownership';
import { PROJECT_ROOT } from '../../temporal.config';

/** A server the watchdog looks after. */
export type Watched = { kind: 'postgres'; pgdata: string } | { kind: 'temporal'; pidFile: string };

type Message = { watch: Watched } | { release: Watched['kind'] } | { bye: true };

export interface WatchdogHandle {
  /** From now on, `server` is stopped if BrainOps dies. */
  watch(server: Watched): void;
  /** `kind` was stopped by BrainOps itself. */
  release(kind: Watched['kind']): void;
  /** Tells the watchdog BrainOps stopped everything, and lets it exit. */
  close(): Promise<void>;
}

/** Starts the watchdog for the servers of `dataDir`; its log is `<dataDir>/watchdog.log`. */
export async function startWatchdog(dataDir: string, logger: Logger): Promise<WatchdogHandle> {
  fs.mkdirSync(dataDir, { recursive: true });
  const log = fs.openSync(path.join(dataDir, 'watchdog.log'), 'a');
  let child: ChildProcess;
  try {
    // `--import tsx` resolves from the project root: the watchdog is TypeScript like the rest.
    child = spawn(process.execPath, ['--import', 'tsx', __filename], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['pipe', log, log, 'ipc'],
    });
  } finally {
    fs.closeSync(log);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the watchdog exited at start (code ${code})`)));
  });
  child.removeAllListeners('exit');
  // Neither the pipe nor the child keeps BrainOps running; the IPC channel is only for the start.
  child.disconnect();
  child.unref();
  const stdin = child.stdin!;
  (stdin as unknown as { unref(): void }).unref();
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    logger.warn(`the watchdog exited (${signal ?? code}); servers will not be stopped if BrainOps dies`);
  });
  stdin.on('error', () => undefined);
  const send = (m: Message) => {
    if (!exited) stdin.write(`${JSON.stringify(m)}\n`);
  };
  return {
    watch: (server) => send({ watch: server }),
    release: (kind) => send({ release: kind }),
    close: async () => {
      if (exited) return;
      child.removeAllListeners('exit');
      // Referenced again while it exits: an awaited exit with nothing else pending must not let
      // Node end the process before the rest of the shutdown.
      child.ref();
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      send({ bye: true });
      stdin.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    },
  };
}

/** The watchdog process: reads messages until the pipe closes. */
function runWatchdog(): void {
  const watched = new Map<Watched['kind'], Watched>();
  let bye = false;
  let buffer = '';
  const say = (text: string) => process.stdout.write(`${new Date().toISOString()} watchdog ${process.pid}: ${text}\n`);
  // Its own session already keeps the terminal's signals away; a hang-up is not BrainOps dying.
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        const m = JSON.parse(line) as Message;
        if ('watch' in m) watched.set(m.watch.kind, m.watch);
        else if ('release' in m) watched.delete(m.release);
        else if ('bye' in m) bye = true;
      } catch {
        say(`ignored a line it did not understand: ${line.slice(0, 200)}`);
      }
    }
  });
  const finish = async () => {
    if (!bye && watched.size > 0) {
      say(`BrainOps (parent ${process.ppid}) is gone; stopping ${[...watched.keys()].join(' and ')}`);
      await Promise.all(
        [...watched.values()].map(async (w) => {
          try {
            if (w.kind === 'postgres') {
              const r = await stopOwnPostmaster(w.pgdata);
              say(`PostgreSQL of ${w.pgdata}: ${r.found === 'running' ? `stopped pid ${r.pid}` : r.found}`);
            } else {
              const pid = await stopOwnDevServer(w.pidFile);
              say(`Temporal dev server: ${pid === undefined ? 'not running' : `stopped pid ${pid}`}`);
            }
          } catch (error) {
            say(`could not stop ${w.kind}: ${String(error)}`);
          }
        }),
      );
    }
    process.exit(0);
  };
  process.stdin.on('end', () => void finish());
  process.stdin.on('error', () => void finish());
  process.send?.('ready');
}

if (require.main === module) runWatchdog();
