/**
 * `brainops mcp`: the MCP server over stdio, for Claude Desktop, Claude Code and other MCP
 * clients that start their servers as processes. It acts with the key of `BRAINOPS_API_KEY`
 * (its tenant and role). Stdout carries the protocol only: logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BrainOpsClient } from '../client/brainops-client';
import { ApiKeyStore } from '../memory';
import { MemoryApi } from '../http/operations';
import { KeyVerifier } from '../http/auth';
import { createMcpServer } from './tools';

/**
 * Serves MCP on stdin/stdout until stdin closes.
 * @throws ApiError 401 when `key` is missing, unknown or revoked.
 */
export async function runMcpStdio(client: BrainOpsClient, key: string | undefined): Promise<void> {
  const store = await client.memory();
  const principal = await new KeyVerifier(new ApiKeyStore(store.pool)).authenticate(key && `Bearer ${key}`);
  const server = createMcpServer(new MemoryApi(client, store), principal);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
