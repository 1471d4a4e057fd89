/**
 * `npm run chaos`: session messages sent while the stack is broken, one fault at a time, on
 * loopback only, through two transports at once: the client (`BrainOpsClient.addMessage`) and HTTP
 * (`POST /memory/session/message` to a `brainops serve` process of its own, with a writer key):
 *   (a) the worker process is SIGKILLed and started again;
 *   (b) the API server process is SIGKILLed and started again;
 *   (c) PostgreSQL is stopped in immediate mode and started again;
 *   (d) the Temporal dev server is stopped and started again (its state is in a SQLite file, so the
 *       workflows survive).
 * Each fault and transport gets its own session, fed at CHAOS_RATE messages/s (50) for
 * CHAOS_SECONDS (20 s) with the fault CHAOS_FAULT_AT seconds in (6); CHAOS_FAULTS (a comma-separated
 * list of words of the fault names, e.g. `postgresql,temporal`) runs only those. Every message carries a
 * message id and is sent once (no retries): what failed is simply not acknowledged. It prints, per
 * fault and transport: sent, acknowledged (a 2xx or a resolved call), stored, duplicated,
 * quarantined and lost (acknowledged but not stored). Exits non-zero when any message was lost or
 * duplicated.
 *
 * PostgreSQL: an embedded server in a temporary directory (or a scratch database on the server of
 * `DATABASE_URL` — then fault (b) is skipped, it is not ours to stop). Temporal: the dev server of
 * the cached CLI, in a temporary directory. Everything is stopped at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { freeLoopbackPort } from '../src/stack/free-port';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { loadConfig } from '../temporal.config';
import { BrainOpsClient } from '../src/client/brainops-client';
import { migrate } from '../src/memory';
import { runDevServer, type DevServerHandle } from '../src/stack/dev-server';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/stack/embedded-postgres';
import { resolveTemporalCli, type TemporalCliSource } from '../src/stack/temporal-cli';
import type { SessionRef } from '../src/client/brainops-client';
import { createBenchLogger, envInt, sleep } from './lib';

const execFileAsync = promisify(execFile);

const ROOT = path.join(__dirname, '..');
const RATE = envInt('CHAOS_RATE', 50);
const SECONDS = envInt('CHAOS_SECONDS', 20);
const FAULT_AT = envInt('CHAOS_FAULT_AT', 6);
const logger = createBenchLogger('chaos');
const started = Date.now();
const progress = (text: string) =>
  process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);

interface FaultResult {
  fault: string;
  transport: string;
  sent: number;
  acknowledged: number;
  stored: number;
  duplicated: number;
  quarantined: number;
  lost: number;
  note: string;
  /** Why the calls that were not acknowledged failed, counted (`3× HTTP 503; …`). */
  refused: string;
}

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-chaos-'));
  fs.chmodSync(dir, 0o755);
  const [pgPort, temporalPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const closers: (() => Promise<unknown>)[] = [];
  let worker: ChildProcess | undefined;
  try {
    // PostgreSQL
    let pg: EmbeddedPostgresHandle | undefined;
    let dbUrl: string;
    const startPg = () =>
      startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, database: 'chaos', logger });
    if (process.env.DATABASE_URL) {
      const admin = new Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      const name = `brainops_chaos_${process.pid}`;
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${name}`;
      dbUrl = url.toString();
      closers.unshift(async () => {
        const c = new Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      });
      progress(`PostgreSQL: scratch database ${name} on the server of DATABASE_URL`);
    } else {
      pg = await startPg();
      dbUrl = pg.url;
      closers.unshift(() => pg!.stop().then(() => fs.rmSync(dir, { recursive: true, force: true })));
      progress(`PostgreSQL: embedded on 127.0.0.1:${pgPort}`);
    }
    await migrate({ databaseUrl: dbUrl, logger });

    // Temporal
    const cli: TemporalCliSource = await resolveTemporalCli({
      cliPath: process.env.TEMPORAL_CLI_PATH,
      cacheDir: loadConfig().cacheDir,
      logger,
    });
    if (cli.type !== 'existing-path') throw new Error('no Temporal CLI on disk (run npm start once to build it)');
    const startTemporal = () =>
      runDevServer({
        cli,
        namespace: 'default',
        port: temporalPort,
        uiPort: 0,
        ui: false,
        dbFilename: path.join(dir, 'temporal.sqlite'),
        logFile: path.join(dir, 'temporal.log'),
      });
    let temporal: DevServerHandle = await startTemporal();
    closers.unshift(() => temporal.stop());
    progress(`Temporal: dev server on 127.0.0.1:${temporalPort} (state in a SQLite file)`);

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_TASK_QUEUE: 'chaos',
      BRAINOPS_DATA_DIR: path.join(dir, 'data'),
      BRAINOPS_MONITOR_INTERVAL: '1h',
      BRAINOPS_FINDINGS_INTERVAL: '24h',
      BRAINOPS_LOG_LEVEL: 'warn',
    };
    const workerLog = fs.openSync(path.join(dir, 'worker.log'), 'a');
    const startWorker = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'worker'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', workerLog, workerLog],
      });
      worker = child;
      return child;
    };
    await startWorker();
    closers.unshift(async () => {
      if (worker && worker.exitCode === null) {
        worker.kill('SIGTERM');
        await new Promise((r) => worker!.once('exit', r));
      }
    });
    const config = loadConfig(env as Record<string, string>);
    const client = await BrainOpsClient.connect(config, logger);
    closers.unshift(() => client.close());
    // A pool, not one connection: PostgreSQL goes away during fault (c).
    const db = new Pool({ connectionString: dbUrl, max: 2 });
    db.on('error', () => undefined);
    closers.unshift(() => db.end());
    progress('worker started; waiting for it to poll');
    await client.startSession({ tenantId: 'chaos', sessionId: 'warm-up' });
    await client.endSession({ tenantId: 'chaos', sessionId: 'warm-up' });

    // The API server: a process of its own, so that it can be killed like the worker.
    const apiPort = await freeLoopbackPort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiEnv = { ...env, BRAINOPS_API_PORT: String(apiPort) };
    const key = await createWriterKey(apiEnv, 'chaos');
    let api: ChildProcess | undefined;
    let stopping = false;
    const apiLog = fs.openSync(path.join(dir, 'api.log'), 'a');
    const startApi = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'serve'], {
        cwd: ROOT,
        env: apiEnv,
        stdio: ['ignore', apiLog, apiLog],
      });
      child.once('exit', (code, signal) => {
        if (signal === 'SIGKILL' || stopping) return;
        const tail = fs.readFileSync(path.join(dir, 'api.log'), 'utf8').split('\n').slice(-30).join('\n');
        progress(`API server exited on its own (code ${code}, signal ${signal}); its last lines:\n${tail}`);
      });
      api = child;
      await waitForHttp(`${apiUrl}/healthz`, 60_000);
    };
    await startApi();
    closers.unshift(async () => {
      stopping = true;
      if (api && api.exitCode === null) {
        api.kill('SIGTERM');
        await new Promise((r) => api!.once('exit', r));
      }
    });
    progress(`API server on ${apiUrl}`);

    const faults: { name: string; inject: () => Promise<string> }[] = [
      {
        name: 'worker SIGKILL',
        inject: async () => {
          worker!.kill('SIGKILL');
          await new Promise((r) => worker!.once('exit', r));
          progress('  worker SIGKILLed; starting a new one');
          await startWorker();
          return 'new worker started at once';
        },
      },
      {
        name: 'API server SIGKILL',
        inject: async () => {
          api!.kill('SIGKILL');
          await new Promise((r) => api!.once('exit', r));
          progress('  API server SIGKILLed; starting a new one');
          await startApi();
          return 'new API server started at once';
        },
      },
      {
        name: 'PostgreSQL immediate stop',
        inject: async () => {
          if (!pg) return 'skipped: DATABASE_URL is not ours to stop';
          await pg.stop({ mode: 'immediate' });
          progress('  PostgreSQL stopped (immediate); down for 10 s');
          await sleep(10_000);
          pg = await startPg();
          progress('  PostgreSQL started again');
          return 'down 10 s';
        },
      },
      {
        name: 'Temporal dev server restart',
        inject: async () => {
          await temporal.stop();
          progress('  dev server stopped; down for 3 s');
          await sleep(3000);
          temporal = await startTemporal();
          progress('  dev server started again');
          return 'down 3 s + start';
        },
      },
    ];

    const transports: {
      name: string;
      send: (ref: SessionRef, messageId: string, content: string) => Promise<unknown>;
    }[] = [
      {
        name: 'client',
        send: (ref, messageId, content) => client.addMessage(ref, { role: 'user', content, messageId }),
      },
      {
        name: 'http',
        send: (ref, messageId, content) =>
          postMessage(apiUrl, key, { session_id: ref.sessionId, role: 'user', content, message_id: messageId }),
      },
    ];

    const results: FaultResult[] = [];
    const chosen = process.env.CHAOS_FAULTS?.split(',').map((f) => f.trim().toLowerCase());
    for (const fault of faults.filter((f) => !chosen || chosen.some((c) => f.name.toLowerCase().includes(c)))) {
      const sessions = transports.map((t) => ({
        transport: t,
        ref: { tenantId: 'chaos', sessionId: `${fault.name.replace(/\W+/g, '-').toLowerCase()}-${t.name}` },
      }));
      for (const { ref } of sessions) await client.startSession(ref);
      progress(
        `${fault.name}: ${RATE} messages/s for ${SECONDS} s into ${sessions.map((s) => s.ref.sessionId).join(' and ')}, fault at ${FAULT_AT} s`,
      );
      let note = '';
      const faultDone = sleep(FAULT_AT * 1000).then(async () => {
        note = await fault.inject();
      });
      const fed = await Promise.all(sessions.map(({ transport, ref }) => feed(ref, transport.send)));
      await faultDone;
      for (const [i, { transport, ref }] of sessions.entries()) {
        const { sent, acknowledged, refused } = fed[i]!;
        progress(`  ${transport.name}: sent ${sent}, acknowledged ${acknowledged.size}; ending the session`);
        await endWithin(120_000, () => client.endSession(ref));
        const r = {
          fault: fault.name,
          transport: transport.name,
          sent,
          note,
          refused,
          ...(await count(db, ref, acknowledged)),
        };
        results.push(r);
        progress(`  ${JSON.stringify(r)}`);
      }
    }

    const header = [
      'fault',
      'transport',
      'sent',
      'acknowledged',
      'stored',
      'duplicated',
      'quarantined',
      'lost',
      'note',
    ] as const;
    const table = [header.map(String), ...results.map((r) => header.map((h) => String(r[h])))];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
    process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return results.some((r) => r.lost > 0 || r.duplicated > 0) ? 1 : 0;
  } finally {
    for (const close of closers) await close().catch((e: unknown) => progress(`while stopping: ${String(e)}`));
  }
}

/** Sends `RATE` messages/s for `SECONDS` s into `ref`, each once; which were acknowledged (by content). */
async function feed(
  ref: SessionRef,
  send: (ref: SessionRef, messageId: string, content: string) => Promise<unknown>,
): Promise<{ sent: number; acknowledged: Set<string>; refused: string }> {
  const acknowledged = new Set<string>();
  const refusals = new Map<string, number>();
  const sends: Promise<void>[] = [];
  const total = RATE * SECONDS;
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const content = `${ref.sessionId} #${i}`;
    sends.push(
      send(ref, `${ref.sessionId}-${i}`, content).then(
        () => void acknowledged.add(content),
        (error: unknown) => {
          const why = error instanceof Error ? error.message.slice(0, 40) : String(error);
          refusals.set(why, (refusals.get(why) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(sends);
  const refused = [...refusals].map(([why, n]) => `${n}× ${why}`).join('; ');
  return { sent: total, acknowledged, refused };
}

/** POSTs one session message; rejects unless the answer is a 2xx (a 2xx means stored). */
async function postMessage(apiUrl: string, key: string, body: Record<string, string>): Promise<void> {
  const response = await fetch(`${apiUrl}/memory/session/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

/** What the database holds of `ref`'s messages against what was acknowledged. */
async function count(
  db: Pool,
  ref: SessionRef,
  acknowledged: Set<string>,
): Promise<Pick<FaultResult, 'acknowledged' | 'stored' | 'duplicated' | 'quarantined' | 'lost'>> {
  const rows = await db.query<{ content: string; n: number }>(
    'select content, count(*)::int as n from session_messages where tenant_id = $1 and session_id = $2 group by content',
    [ref.tenantId, ref.sessionId],
  );
  const stored = new Set(rows.rows.map((r) => r.content));
  const quarantined = await db.query<{ n: number }>(
    'select count(*)::int as n from quarantined_messages where tenant_id = $1 and session_id = $2',
    [ref.tenantId, ref.sessionId],
  );
  return {
    acknowledged: acknowledged.size,
    stored: stored.size,
    duplicated: rows.rows.reduce((acc, r) => acc + r.n - 1, 0),
    quarantined: quarantined.rows[0]?.n ?? 0,
    lost: [...acknowledged].filter((c) => !stored.has(c)).length,
  };
}

/** Retries `end` once a second until it succeeds or `withinMs` has passed (then its last error). */
async function endWithin(withinMs: number, end: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

/** A writer key of `tenantId`, made by the CLI (`brainops api-key create`) against the chaos stack. */
async function createWriterKey(env: NodeJS.ProcessEnv, tenantId: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/main.ts'),
      'api-key',
      'create',
      '--tenant',
      tenantId,
      '--role',
      'writer',
      '--json',
    ],
    { cwd: ROOT, env },
  );
  return (JSON.parse(stdout) as { key: string }).key;
}

/** Waits until `url` answers 200, polling every 200 ms. @throws after `withinMs` */
async function waitForHttp(url: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${withinMs} ms`);
}

process.on('uncaughtException', (error) => {
  process.stderr.write(`chaos failed: ${error.stack ?? String(error)}\n`);
  process.exitCode = 1;
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
