/**
 * MCP over streamable HTTP at `/mcp`, with the API's keys. Stateless: each POST gets a server
 * for its key's principal and a transport answering with JSON, so any copy of the API server can
 * answer any request (no session to pin). GET and DELETE (server-sent streams, session end) do
 * not apply without sessions and answer 405.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import type { MemoryApi } from '../http/operations';
import { createMcpServer } from './tools';

export function registerMcpRoute(app: FastifyInstance, api: MemoryApi): void {
  app.post('/mcp', { config: { operation: 'mcp' }, schema: { hide: true } }, async (request, reply) => {
    const server = createMcpServer(api, request.principal!);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });
  const notAllowed = {
    jsonrpc: '2.0',
    error: { code: -32000, message: 'Method not allowed: this server is stateless; POST JSON-RPC requests' },
    id: null,
  };
  for (const method of ['GET', 'DELETE'] as const)
    app.route({
      method,
      url: '/mcp',
      config: { operation: 'mcp' },
      schema: { hide: true },
      handler: (_request, reply) => reply.code(405).header('allow', 'POST').send(notAllowed),
    });
}
