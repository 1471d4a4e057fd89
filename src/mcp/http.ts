/**
 * MCP over streamable HTTP at `/mcp`, with the API's keys: registered on the API server as an
 * extension. Stateless: each POST gets a server for its key's caller and a transport answering
 * with JSON, so any copy of the API server can answer any request (no session to pin). GET and
 * DELETE (server-sent streams, session end) do not apply without sessions and answer 405.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BrainOpsApi, Caller } from '../api';
import { createMcpServer } from './tools';

/** Registers `/mcp` on `app`; `context.caller` is the request's authenticated caller. */
export function registerMcpRoute(
  api: BrainOpsApi,
): (app: FastifyInstance, context: { caller(request: FastifyRequest): Caller }) => void {
  return (app, context) => {
    app.post('/mcp', { config: { operation: 'mcp' }, schema: { hide: true } }, async (request, reply) => {
      const server = createMcpServer(api, context.caller(request));
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
  };
}
