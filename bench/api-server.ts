/**
 * The API server alone for `npm run bench:api`, in its own process so that the load generator
 * does not share its event loop: memory routes only need PostgreSQL (its Temporal client, at
 * `TEMPORAL_ADDRESS`, is lazy and never used by them; `bench:capture`'s error spans use it). Prints `{"url": …, "floorUrl": …}` on stdout once listening; SIGTERM
 * stops it.
 *
 * Beside it, in the same process and on the same `MemoryStore`, a bare `node:http` server (the
 * floor): `POST /{store,retrieve,search}` parses the JSON body, makes the same store call for the
 * bench tenant and answers with `JSON.stringify` of the result. No framework, key, validation or
 * access log, so HTTP minus floor is what the API server itself adds, and floor minus in-process
 * is the price of any HTTP hop between two processes on this machine.
 */
import { memoryInput } from '../src/contracts/memory';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../temporal.config';
import { BrainOpsClient } from '../src/client/brainops-client';
import { MemoryStore } from '../src/memory';
import { serveApi } from '../src/stack/api-server';
import { createBenchLogger } from './lib';

/** The tenant the floor server acts for (the bench's key is of this tenant too). */
const FLOOR_TENANT = process.env.BENCH_TENANT ?? 'bench';

function floorCall(store: MemoryStore, operation: string, body: Record<string, unknown>): Promise<unknown> {
  const input = { ...body, tenantId: FLOOR_TENANT };
  if (operation === '/store')
    return store.entries.store(memoryInput.store(input as Parameters<typeof memoryInput.store>[0]));
  if (operation === '/retrieve')
    return store.entries.retrieve(memoryInput.identity(input as Parameters<typeof memoryInput.identity>[0]));
  if (operation === '/search')
    return store.entries.search(memoryInput.search(input as Parameters<typeof memoryInput.search>[0]));
  return Promise.reject(new Error(`no floor operation ${operation}`));
}

function startFloorServer(store: MemoryStore): Promise<string> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      floorCall(store, request.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        .then((result) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(result));
        })
        .catch((error: Error) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error.message);
        });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

async function main(): Promise<void> {
  const logger = createBenchLogger('bench-api-server');
  const config = loadConfig();
  const store = await MemoryStore.connect({
    databaseUrl: process.env.DATABASE_URL!,
    poolSize: config.database.poolSize,
    cacheMaxEntries: config.cacheMaxEntries,
    logger,
  });
  // Connected on first use: the memory routes never use it; OTLP error spans (bench:capture) reach TEMPORAL_ADDRESS.
  const temporal = new Client({
    connection: Connection.lazy({ address: config.temporal.address ?? '127.0.0.1:7233' }),
    namespace: config.temporal.namespace,
  });
  const client = new BrainOpsClient(temporal, config, logger);
  const server = await serveApi({ config, client, store, logger }, 0);
  const floorUrl = await startFloorServer(store);
  process.stdout.write(`${JSON.stringify({ url: server.url, floorUrl })}\n`);
  process.once('SIGTERM', () => {
    void server
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

void main();
