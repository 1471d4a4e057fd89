/**
 * MCP over streamable HTTP at `/mcp`, with the API's keys: registered on the API server as an
 * extension. Stateless: each POST gets a server for its key's caller and a transport answering
 * with JSON, so any copy of the API server can answer any request (no session to pin). GET and
 * DELETE (server-sent streams, session end) do not apply without sessions and answer 405.
 *
 * A JSON-RPC batch is held to the API's limits like as many requests: it may hold at most
 * `config.api.mcpBatchMax` messages (a larger one is refused with a JSON-RPC error, before any
 * runs), each message spends a unit of the key's rate limit, and each tool call is a row of the
 * access log (`mcp.<tool>`, with its status and latency).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BrainOpsApi, Caller } from '../api';
import { createMcpServer } from './tools';

/** What the API server gives its extensions (the HTTP adapter's `ExtensionContext`). */
interface ServerContext {
  /** The request's authenticated caller. */
  caller(request: FastifyRequest): Caller;
  /** Logs one operation of the request in the access log (the request then gets no row of its own). */
  logCall(request: FastifyRequest, call: { operation: string; status: number; latencyMs: number }): void;
}

/** JSON-RPC's "Invalid Request" code. */
const INVALID_REQUEST = -32600;

/** Messages in a POST body: a batch's length, else one. */
function messagesIn(body: unknown): number {
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}

/** Registers `/mcp` on `app`; batches hold at most `batchMax` messages. */
export function registerMcpRoute(
  api: BrainOpsApi,
  batchMax: number,
): (app: FastifyInstance, context: ServerContext) => void {
  return (app, context) => {
    const refuseLargeBatch = async (request: FastifyRequest, reply: FastifyReply) => {
      const messages = messagesIn(request.body);
      if (messages <= batchMax) return;
      await reply.code(400).send({
        jsonrpc: '2.0',
        error: {
          code: INVALID_REQUEST,
          message: `Invalid Request: a batch holds at most ${batchMax} messages; this one holds ${messages}. Send it in smaller batches.`,
        },
        id: null,
      });
      return reply;
    };
    app.post(
      '/mcp',
      {
        config: { operation: 'mcp', cost: (request) => messagesIn(request.body) },
        preValidation: refuseLargeBatch,
        schema: { hide: true },
      },
      async (request, reply) => {
        const server = createMcpServer(api, context.caller(request), (call) =>
          context.logCall(request, { operation: `mcp.${call.tool}`, status: call.status, latencyMs: call.latencyMs }),
        );
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        // The transport writes the raw response: headers set so far (the rate limit's, CORS) go on it first.
        for (const [name, value] of Object.entries(reply.getHeaders()))
          if (value !== undefined) reply.raw.setHeader(name, value);
        reply.hijack();
        reply.raw.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      },
    );
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
