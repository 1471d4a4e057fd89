/**
 * `npm start` / `brainops start`: the whole stack on one machine, in order — PostgreSQL
 * (embedded unless `DATABASE_URL`), migrations, the Temporal dev server (unless
 * `TEMPORAL_ADDRESS`), schedules, the worker and the HTTP/MCP API server — then waits for Ctrl-C, SIGTERM or SIGHUP, drains
 * the worker and stops the servers. Everything persists under the data directory, so the next
 * start resumes.
 *
 * It supervises itself: `brainops.pid` keeps a second start off the same data directory; a
 * watchdog process stops the servers if BrainOps dies without stopping them (SIGKILL, the OOM
 * killer); servers an earlier, killed run left behind are recognised by their pid files and
 * stopped before new ones start (never a server of another directory); and a closed stdout (the
 * reader of a pipe gone) does not interrupt the shutdown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import {
  databaseUrl,
  EMBEDDED_APP_ROLE,
  embeddedPasswordFile,
  temporalAddress,
  type BrainOpsConfig,
} from '../../temporal.config';
import { connectClient, connectWorker, isTemporalNotAnswering } from '../client/connection';
import { backOff } from 'exponential-backoff';
import { applySchedules } from '../client/schedules';
import { ensureSearchAttributes } from '../client/search-attributes';
import { migrate } from '../memory';
import { redact } from '../domain/database-url';
import { failureCause } from '../domain/failure-cause';
import type { Worker } from '@temporalio/worker';
import { assembleStack } from './assemble';
import { runDevServer } from './dev-server';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { otherStack, removePidFile, stopOwnDevServer, writePidFile } from './ownership';
import { installRuntime } from './runtime';
import { freeLoopbackPort } from './free-port';
import { appendCoreMetrics } from '../metrics/temporal-core';
import { metricsOfProcess } from '../metrics/registry';
import { startMetricsEndpoint } from '../metrics/worker-endpoint';
import { resolveTemporalCli } from './temporal-cli';
import { startWatchdog, type WatchdogHandle } from './watchdog';

/** Thrown inside start-up when a signal asked to stop before the worker ran. */
class StopRequested extends Error {}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How long start-up keeps retrying schedule calls Temporal answers with a timeout or as unavailable, ms. */
const SCHEDULES_PATIENCE_MS = 90_000;

/**
 * Writes to a closed stdout or stderr (`npm start | head -1`, a `tee` killed by the same Ctrl-C)
 * fail with EPIPE; they are dropped, so that the shutdown goes on.
 */
function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

/** Runs the worker alone against configured servers (`brainops worker`), or the whole stack. */
export async function runStack(config: BrainOpsConfig, logger: Logger, opts: { servers: boolean }): Promise<void> {
  const step = (n: number, text: string) => logger.info(`[${n}/5] ${text}`);
  const stops: (() => Promise<unknown>)[] = [];
  ignoreClosedOutput();
  // SIGINT (Ctrl-C), SIGTERM (systemd, docker stop) and SIGHUP all drain the worker, then stop.
  let stopSignal: string | undefined;
  let worker: Worker | undefined;
  let running = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal) {
      logger.info(`${signal} again: already stopping (draining the worker, then the servers)`);
      return;
    }
    stopSignal = signal;
    logger.info(`${signal}: stopping${running ? ' (draining the worker)' : ''}`);
    if (running) shutdownWorker();
  };
  const shutdownWorker = () => {
    try {
      worker?.shutdown();
    } catch {
      // Not running yet (run() was just called): try again in a moment.
      setTimeout(shutdownWorker, 100);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const checkpoint = () => {
    if (stopSignal) throw new StopRequested(`${stopSignal} during start-up`);
  };
  let watchdog: WatchdogHandle | undefined;
  const lockFile = path.join(config.dataDir, 'brainops.pid');
  let locked = false;
  try {
    // The Temporal SDK serves its metrics on a loopback port; /metrics adds them (src/metrics).
    const coreMetricsPort = await freeLoopbackPort();
    installRuntime(logger, { shutdownSignals: [], coreMetricsPort });
    appendCoreMetrics(metricsOfProcess(), coreMetricsPort);
    const embeddedPostgres = !config.database.url && opts.servers;
    const devServer = !config.temporal.address && opts.servers;
    if (embeddedPostgres || devServer) {
      fs.mkdirSync(config.dataDir, { recursive: true });
      const other = otherStack(lockFile);
      if (other !== undefined)
        throw new Error(
          `another BrainOps (pid ${other}) is running with the data directory ${config.dataDir}; stop it first, or set BRAINOPS_DATA_DIR`,
        );
      writePidFile(lockFile, { pid: process.pid });
      locked = true;
      watchdog = await startWatchdog(config.dataDir, logger);
    }
    // 1. PostgreSQL
    let dbUrl = config.database.url;
    if (embeddedPostgres) {
      step(
        1,
        `starting the embedded PostgreSQL on 127.0.0.1:${config.database.embeddedPort} (data in ${path.join(config.dataDir, 'postgres')})`,
      );
      const pgdata = path.join(config.dataDir, 'postgres');
      // Watched before it starts: if BrainOps dies while it starts, it is stopped all the same.
      watchdog?.watch({ kind: 'postgres', pgdata });
      const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.database.embeddedPort,
        database: 'brainops',
        logger,
        // Everything but this bootstrap connects as a role that row-level security applies to.
        appRole: { name: EMBEDDED_APP_ROLE, passwordFile: embeddedPasswordFile(config) },
      }).catch((error: unknown) => {
        watchdog?.release('postgres');
        throw error;
      });
      stops.unshift(async () => {
        await pg.stop();
        watchdog?.release('postgres');
      });
      dbUrl = pg.url;
    } else {
      // `brainops worker` beside a running `npm start` uses its embedded server.
      dbUrl ??= databaseUrl(config);
      step(1, `using PostgreSQL at ${redact(dbUrl)}`);
    }

    checkpoint();
    // 2. Migrations
    const applied = await migrate({ databaseUrl: dbUrl, logger });
    step(2, applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations up to date');

    checkpoint();
    // 3. Temporal
    if (devServer) {
      const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
      const dbFilename = path.join(config.dataDir, 'temporal.sqlite');
      const logFile = path.join(config.dataDir, 'temporal.log');
      step(
        3,
        `starting the Temporal dev server on ${temporalAddress(config)} (CLI from ${cli.origin}; state in ${dbFilename}; log in ${logFile})`,
      );
      const pidFile = path.join(config.dataDir, 'temporal.pid');
      const orphan = await stopOwnDevServer(pidFile);
      if (orphan !== undefined)
        logger.info(`stopped the Temporal dev server an earlier run left running (pid ${orphan})`);
      watchdog?.watch({ kind: 'temporal', pidFile });
      const server = await runDevServer({
        cli,
        namespace: config.temporal.namespace,
        port: config.temporal.devServerPort,
        uiPort: config.temporal.uiPort,
        dbFilename,
        logFile,
        pidFile,
      }).catch((error: unknown) => {
        watchdog?.release('temporal');
        throw error;
      });
      stops.unshift(async () => {
        await server.stop();
        watchdog?.release('temporal');
      });
    } else step(3, `connecting to Temporal at ${temporalAddress(config)}`);
    const clientConnection: Connection = await connectClient(config);
    stops.unshift(() => clientConnection.close());
    const workerConnection: NativeConnection = await connectWorker(config);
    stops.unshift(() => workerConnection.close());
    if (!devServer) await ensureSearchAttributes(clientConnection, config.temporal.namespace, logger);

    // 4. Schedules
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    // A dev server that has just started (or a busy machine) may answer its first calls late; one
    // restarted after a crash answers schedule calls only once its own scheduler workflows have
    // recovered, which can take tens of seconds.
    const applyingSince = Date.now();
    const schedules = await backOff(() => applySchedules(client, config), {
      numOfAttempts: 100,
      startingDelay: 500,
      maxDelay: 4000,
      retry: (error: unknown, attempt: number) => {
        if (!isTemporalNotAnswering(error) || Date.now() - applyingSince > SCHEDULES_PATIENCE_MS) return false;
        const reason = [error, failureCause(error)]
          .map((e) => (e as Error | undefined)?.message)
          .filter(Boolean)
          .join(': ');
        logger.warn(`Temporal is not answering schedule calls yet (${reason}); trying again (attempt ${attempt + 1})`);
        return true;
      },
    });
    step(4, `schedules: ${schedules.map((s) => `${s.scheduleId} (${s.outcome})`).join(', ')}`);

    // 5. Worker and API server
    const stack = await assembleStack({
      config: { ...config, database: { ...config.database, url: dbUrl } },
      logger,
      clientConnection,
      worker: { connection: workerConnection },
      apiPort: config.api.port,
    });
    stops.unshift(() => stack.close());
    worker = stack.worker!;
    const api = stack.server!;
    // The local model prepares its word vectors once per machine; better now than at the first search.
    await stack.store.embedder?.embed(['ready']);
    checkpoint();
    step(5, `worker polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}"`);
    logger.info(
      `API server on ${api.url} (OpenAPI ${api.url}/openapi.json, docs ${api.url}/docs, MCP ${api.url}/mcp, metrics ${api.url}/metrics)`,
    );
    if (config.metrics.workerPort > 0) {
      const endpoint = await startMetricsEndpoint(metricsOfProcess(), {
        host: config.api.host,
        port: config.metrics.workerPort,
        token: config.metrics.token,
      });
      stops.unshift(() => endpoint.close());
      logger.info(`worker metrics on ${endpoint.url}`);
    }
    printWelcome(config, logger, devServer, api.url);
    running = true;
    await worker.run();
    logger.info('worker drained; stopping');
  } catch (error) {
    if (!(error instanceof StopRequested)) throw error;
    logger.info(`${error.message}: stopping what has started`);
  } finally {
    for (const stop of stops) {
      await stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    }
    await watchdog?.close();
    if (locked) removePidFile(lockFile, process.pid);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    logger.info('stopped');
  }
}

function printWelcome(config: BrainOpsConfig, logger: Logger, devServer: boolean, apiUrl: string): void {
  const ui = devServer
    ? `http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows`
    : 'your Temporal Web UI';
  logger.info(
    [
      'BrainOps is up.',
      `  Temporal Web UI:  ${ui}`,
      `  Temporal address: ${temporalAddress(config)} (namespace ${config.temporal.namespace})`,
      `  HTTP API and MCP: ${apiUrl} (docs ${apiUrl}/docs; keys: npx brainops api-key create --tenant acme --role writer)`,
      ...(config.console.enabled
        ? [
            `  Web console:      ${apiUrl}/console (sign in with a key; an operator key, api-key create --operator, sees every tenant)`,
          ]
        : []),
      `  Metrics:          ${apiUrl}/metrics (Prometheus)`,
      '  In another terminal:',
      '    npx brainops session start --tenant acme --session demo',
      '    npx brainops session message --tenant acme --session demo --role user "Hello"',
      '    npx brainops brief --tenant acme',
      '    npx brainops monitor run',
      '  Ctrl-C (or SIGTERM) stops everything; the next `npm start` resumes where this one stopped.',
    ].join('\n'),
  );
}
