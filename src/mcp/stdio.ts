/**
 * `brainops mcp`: the MCP server over stdio, for Claude Desktop, Claude Code and other MCP
 * clients that start their servers as processes. It acts with the key of `BRAINOPS_API_KEY`
 * (its tenant and role). Stdout carries the protocol only: logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BrainOpsApi } from '../api';
import { createMcpServer } from './tools';

/**
 * Serves MCP on stdin/stdout until stdin closes.
 * @throws ApiError `unauthenticated` when `key` is missing, unknown or revoked.
 */
export async function runMcpStdio(api: BrainOpsApi, key: string | undefined): Promise<void> {
  const caller = await api.authenticate(key && `Bearer ${key}`);
  const server = createMcpServer(api, caller);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
