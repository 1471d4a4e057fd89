/**
 * Serves the API over HTTP with MCP beside it: the API's operations over a memory store and a
 * Temporal client (with the access log of this process), the HTTP routes, and MCP over streamable
 * HTTP at `/mcp`. `npm start`, `brainops serve`, the tests and the benchmarks start it here.
 */
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { BrainOpsApi } from '../api';
import type { BrainOpsClient } from '../client/brainops-client';
import { startApiServer, type ApiServer } from '../http/server';
import { registerMcpRoute } from '../mcp/http';
import type { MemoryStore } from '../memory';

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
  const server = await startApiServer({ config, api, logger, extensions: [registerMcpRoute(api)] }, port);
  return { ...server, api };
}
