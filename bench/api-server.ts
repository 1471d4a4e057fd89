/**
 * The API server alone for `npm run bench:api`, in its own process so that the load generator
 * does not share its event loop: memory routes only need PostgreSQL (its Temporal client is lazy
 * and never used by them). Prints `{"url": …}` on stdout once listening; SIGTERM stops it.
 */
import { Client } from '@temporalio/client';
import { loadConfig } from '../temporal.config';
import { BrainOpsClient } from '../src/client/brainops-client';
import { MemoryStore } from '../src/memory';
import { startApiServer } from '../src/http/server';
import { createBenchLogger } from './lib';

async function main(): Promise<void> {
  const logger = createBenchLogger('bench-api-server');
  const config = loadConfig();
  const store = await MemoryStore.connect({
    databaseUrl: process.env.DATABASE_URL!,
    poolSize: config.database.poolSize,
    cacheMaxEntries: config.cacheMaxEntries,
    logger,
  });
  const client = new BrainOpsClient(new Client(), config, logger);
  const server = await startApiServer({ config, client, store, logger }, 0);
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once('SIGTERM', () => {
    void server
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

void main();
