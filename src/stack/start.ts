/**
 * `npm start` / `brainops start`: the whole stack on one machine, in order — PostgreSQL
 * (embedded unless `DATABASE_URL`), migrations, the Temporal dev server (unless
 * `TEMPORAL_ADDRESS`), schedules, the worker — then waits for Ctrl-C, drains the worker and stops
 * the servers. Everything persists under the data directory, so the next start resumes.
 */
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { databaseUrl, temporalAddress, type BrainOpsConfig } from '../../temporal.config';
import { connectClient, connectWorker } from '../client/connection';
import { applySchedules } from '../client/schedules';
import { ensureSearchAttributes } from '../client/search-attributes';
import { migrate } from '../memory';
import { redact } from '../domain/database-url';
import { createWorker } from '../worker';
import { openMemoryStore } from '../client/memory';
import { runDevServer } from './dev-server';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { installRuntime } from './runtime';
import { resolveTemporalCli } from './temporal-cli';

/** Runs the worker alone against configured servers (`brainops worker`), or the whole stack. */
export async function runStack(config: BrainOpsConfig, logger: Logger, opts: { servers: boolean }): Promise<void> {
  const step = (n: number, text: string) => logger.info(`[${n}/5] ${text}`);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    installRuntime(logger);
    // 1. PostgreSQL
    let dbUrl = config.database.url;
    if (!dbUrl && opts.servers) {
      step(
        1,
        `starting the embedded PostgreSQL on 127.0.0.1:${config.database.embeddedPort} (data in ${path.join(config.dataDir, 'postgres')})`,
      );
      const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.database.embeddedPort,
        database: 'brainops',
        logger,
      });
      stops.unshift(() => pg.stop());
      dbUrl = pg.url;
    } else {
      // `brainops worker` beside a running `npm start` uses its embedded server.
      dbUrl ??= databaseUrl(config);
      step(1, `using PostgreSQL at ${redact(dbUrl)}`);
    }

    // 2. Migrations
    const applied = await migrate({ databaseUrl: dbUrl, logger });
    step(2, applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations up to date');

    // 3. Temporal
    const devServer = !config.temporal.address && opts.servers;
    if (devServer) {
      const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
      const dbFilename = path.join(config.dataDir, 'temporal.sqlite');
      const logFile = path.join(config.dataDir, 'temporal.log');
      step(
        3,
        `starting the Temporal dev server on ${temporalAddress(config)} (CLI from ${cli.origin}; state in ${dbFilename}; log in ${logFile})`,
      );
      const server = await runDevServer({
        cli,
        namespace: config.temporal.namespace,
        port: config.temporal.devServerPort,
        uiPort: config.temporal.uiPort,
        dbFilename,
        logFile,
      });
      stops.unshift(() => server.stop());
    } else step(3, `connecting to Temporal at ${temporalAddress(config)}`);
    const clientConnection: Connection = await connectClient(config);
    stops.unshift(() => clientConnection.close());
    const workerConnection: NativeConnection = await connectWorker(config);
    stops.unshift(() => workerConnection.close());
    if (!devServer) await ensureSearchAttributes(clientConnection, config.temporal.namespace, logger);

    // 4. Schedules
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    const schedules = await applySchedules(client, config);
    step(4, `schedules: ${schedules.map((s) => `${s.scheduleId} (${s.outcome})`).join(', ')}`);

    // 5. Worker
    const store = await openMemoryStore({ ...config, database: { ...config.database, url: dbUrl } }, logger);
    stops.unshift(() => store.close());
    // The local model prepares its word vectors once per machine; better now than at the first search.
    await store.embedder?.embed(['ready']);
    const worker = await createWorker({ config, store, logger, connection: workerConnection, clientConnection });
    step(5, `worker polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}"`);
    printWelcome(config, logger, devServer);
    await worker.run();
    logger.info('worker drained; stopping');
  } finally {
    for (const stop of stops) {
      await stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    }
    logger.info('stopped');
  }
}

function printWelcome(config: BrainOpsConfig, logger: Logger, devServer: boolean): void {
  const ui = devServer
    ? `http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows`
    : 'your Temporal Web UI';
  logger.info(
    [
      'BrainOps is up.',
      `  Temporal Web UI:  ${ui}`,
      `  Temporal address: ${temporalAddress(config)} (namespace ${config.temporal.namespace})`,
      '  In another terminal:',
      '    npx brainops session start --tenant acme --session demo',
      '    npx brainops session message --tenant acme --session demo --role user "Hello"',
      '    npx brainops brief --tenant acme',
      '    npx brainops monitor run',
      '  Ctrl-C stops everything; the next `npm start` resumes where this one stopped.',
    ].join('\n'),
  );
}
