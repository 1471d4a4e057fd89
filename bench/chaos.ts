/**
 * `npm run chaos`: session messages sent through the client API while the stack is broken, one
 * fault at a time, on loopback only:
 *   (a) the worker process is SIGKILLed and started again;
 *   (b) PostgreSQL is stopped in immediate mode and started again;
 *   (c) the Temporal dev server is stopped and started again (its state is in a SQLite file, so the
 *       workflows survive).
 * Each fault gets its own session, fed at CHAOS_RATE messages/s (50) for CHAOS_SECONDS (20 s) with
 * the fault CHAOS_FAULT_AT seconds in (6). It prints, per fault: sent, acknowledged (the signal was
 * accepted), stored, duplicated, quarantined (`quarantined_messages` when that table exists) and
 * lost (acknowledged but not stored). Exits non-zero when any message was lost or duplicated.
 *
 * PostgreSQL: an embedded server in a temporary directory (or a scratch database on the server of
 * `DATABASE_URL` — then fault (b) is skipped, it is not ours to stop). Temporal: the dev server of
 * the cached CLI, in a temporary directory. Everything is stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
import { createBenchLogger, envInt, sleep } from './lib';

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
  sent: number;
  acknowledged: number;
  stored: number;
  duplicated: number;
  quarantined: number;
  lost: number;
  note: string;
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
    // A pool, not one connection: PostgreSQL goes away during fault (b).
    const db = new Pool({ connectionString: dbUrl, max: 2 });
    db.on('error', () => undefined);
    closers.unshift(() => db.end());
    progress('worker started; waiting for it to poll');
    await client.startSession({ tenantId: 'chaos', sessionId: 'warm-up' });
    await client.endSession({ tenantId: 'chaos', sessionId: 'warm-up' });

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

    const results: FaultResult[] = [];
    for (const fault of faults) {
      const ref = { tenantId: 'chaos', sessionId: fault.name.replace(/\W+/g, '-').toLowerCase() };
      progress(
        `${fault.name}: ${RATE} messages/s for ${SECONDS} s into session ${ref.sessionId}, fault at ${FAULT_AT} s`,
      );
      let sent = 0;
      const acknowledged = new Set<string>();
      const sends: Promise<void>[] = [];
      let note = '';
      const faultDone = sleep(FAULT_AT * 1000).then(async () => {
        note = await fault.inject();
      });
      const total = RATE * SECONDS;
      const t0 = Date.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / RATE;
        if (due > Date.now()) await sleep(due - Date.now());
        const content = `${ref.sessionId} #${i}`;
        sent++;
        sends.push(
          client
            .addMessage(ref, { role: 'user', content, messageId: `${ref.sessionId}-${i}` })
            .then(() => void acknowledged.add(content))
            .catch(() => undefined),
        );
        if (i > 0 && i % (RATE * 5) === 0) progress(`  sent ${i}, acknowledged ${acknowledged.size}`);
      }
      await Promise.all(sends);
      await faultDone;
      progress(`  sent ${sent}, acknowledged ${acknowledged.size}; ending the session`);
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          await client.endSession(ref);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(1000);
        }
      }
      const rows = await db.query<{ content: string; n: number }>(
        'select content, count(*)::int as n from session_messages where tenant_id = $1 and session_id = $2 group by content',
        [ref.tenantId, ref.sessionId],
      );
      const stored = new Set(rows.rows.map((r) => r.content));
      const duplicated = rows.rows.reduce((acc, r) => acc + r.n - 1, 0);
      const hasQuarantine = (await db.query(`select to_regclass('quarantined_messages') is not null as t`)).rows[0]
        ?.t as boolean;
      const quarantined = hasQuarantine
        ? Number(
            (
              await db.query(
                'select count(*)::int as n from quarantined_messages where tenant_id = $1 and session_id = $2',
                [ref.tenantId, ref.sessionId],
              )
            ).rows[0]?.n ?? 0,
          )
        : 0;
      const lost = [...acknowledged].filter((c) => !stored.has(c)).length;
      const r = {
        fault: fault.name,
        sent,
        acknowledged: acknowledged.size,
        stored: stored.size,
        duplicated,
        quarantined,
        lost,
        note,
      };
      results.push(r);
      progress(`  ${JSON.stringify(r)}`);
    }

    const header = ['fault', 'sent', 'acknowledged', 'stored', 'duplicated', 'quarantined', 'lost', 'note'] as const;
    const table = [header.map(String), ...results.map((r) => header.map((h) => String(r[h])))];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
    process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return results.some((r) => r.lost > 0 || r.duplicated > 0) ? 1 : 0;
  } finally {
    for (const close of closers) await close().catch((e: unknown) => progress(`while stopping: ${String(e)}`));
  }
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
