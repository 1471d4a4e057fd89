/**
 * Serves the API over HTTP with its extensions beside it: the API's operations over a memory store
 * and a Temporal client (with the access log of this process), the HTTP routes, MCP over streamable
 * HTTP at `/mcp`, the web console at `/console` and Prometheus `/metrics` (the process's registry,
 * with the store observed). `npm start`, `brainops serve`, the tests and the benchmarks start it here.
 */
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { BrainOpsApi } from '../api';
import type { BrainOpsClient } from '../client/brainops-client';
import { startApiServer, type ApiServer } from '../http/server';
import { consoleExtension } from '../console';
import { registerMcpRoute } from '../mcp/http';
import type { MemoryStore } from '../memory';
import { metricsExtension, observeMemory } from '../metrics/http';
import { metricsOfProcess } from '../metrics/registry';

/** A listening API server and the API it serves. */
export interface ServedApi extends ApiServer {
  api: BrainOpsApi;
}

/**
 * Builds the API over `store` and `client` and listens on `config.api.host`:`port` (0: any free port).
 * @throws Error when the port is taken.
 */
export async function serveApi(
  deps: { config: BrainOpsConfig; logger: Logger; store: MemoryStore; client: BrainOpsClient },
  port = deps.config.api.port,
): Promise<ServedApi> {
  const { config, logger, store, client } = deps;
  const api = new BrainOpsApi({
    config,
    logger,
    store: () => Promise.resolve(store),
    client: () => Promise.resolve(client),
    accessLog: true,
  });
  const metrics = metricsOfProcess();
  observeMemory(metrics, store, logger);
  const extensions = [
    metricsExtension(metrics, { token: config.metrics.token }),
    registerMcpRoute(api, config.api.mcpBatchMax),
    consoleExtension(api, config),
  ];
  const server = await startApiServer({ config, api, logger, extensions }, port);
  return { ...server, api };
}
