/**
 * The MCP server of BrainOps: the tools and the brief resource an AI assistant session uses,
 * acting for one principal (the API key's tenant and role). Tool inputs are the HTTP API's zod
 * schemas (so the same JSON Schemas, limits and text rules), and each tool calls the same
 * operation as its route. A refused call answers `isError` with the JSON error body of the route.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiPrincipal } from '../contracts/api';
import { describeError } from '../http/errors';
import type { MemoryApi } from '../http/operations';
import * as s from '../http/schemas';

/** The URI of the session-start brief resource. */
export const BRIEF_RESOURCE_URI = 'brainops://brief';

function answer(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

async function run(call: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return answer(await call());
  } catch (error) {
    const known = describeError(error);
    if (!known) throw error;
    return { ...answer({ status: known.status, ...known.body }), isError: true };
  }
}

/** A tool whose input is `schema` and whose answer is what `call` returns, as JSON text. */
function tool<S extends z.ZodObject>(
  server: McpServer,
  name: string,
  description: string,
  schema: S,
  call: (input: z.output<S>) => Promise<unknown>,
): void {
  server.registerTool(name, { description, inputSchema: schema }, ((input: z.output<S>) =>
    run(() => call(input))) as never);
}

/** An MCP server for `principal`: its tools and the brief resource. */
export function createMcpServer(api: MemoryApi, principal: ApiPrincipal): McpServer {
  const server = new McpServer({ name: 'brainops', version: '1.0.0' });
  const p = principal;
  tool(
    server,
    'memory_store',
    'Store (upsert) a memory entry: key, value, searchable title/content, memoryType, layer, scope. Returns its syncVersion.',
    s.storeBody,
    (i) => api.storeEntry(p, i),
  );
  tool(
    server,
    'memory_search',
    'Search memory entries and session messages in natural language; best first.',
    s.searchBody,
    (i) => api.search(p, i),
  );
  tool(server, 'memory_get', 'Read one memory entry by key, scope and owners.', s.retrieveBody, async (i) => ({
    success: true,
    ...(await api.retrieveEntry(p, i)).entry,
  }));
  tool(
    server,
    'session_brief',
    'The session-start brief: last context, open tasks, system status and recent errors of this tenant.',
    z.object({}),
    () => api.brief(p),
  );
  tool(
    server,
    'session_start',
    'Start (or reuse) a session; messages, tasks and handoffs need a started session.',
    s.sessionStartBody,
    (i) => api.startSession(p, i),
  );
  tool(
    server,
    'session_message',
    'Add a message to a session; answers once the database stored it (seq, status).',
    s.messageBody,
    (i) => api.message(p, i),
  );
  tool(
    server,
    'session_handoff',
    'Hand a session to another agent with critical facts and instructions; returns the context snapshot.',
    s.handoffBody,
    (i) => api.handoff(p, i),
  );
  tool(server, 'task_add', 'Add a task to a session.', s.addTaskBody, (i) => api.addTask(p, i));
  tool(server, 'task_complete', 'Complete (or cancel) a task of a session.', s.completeTaskBody, (i) =>
    api.completeTask(p, i),
  );
  tool(
    server,
    'error_report',
    'Report an error: it is recorded and handed to error-learning, which applies known fixes.',
    s.errorReportBody,
    (i) => api.reportError(p, i),
  );
  tool(
    server,
    'solution_lookup',
    'What fixed this before? Knowledge-base solutions for an error like this one.',
    s.solutionLookupBody,
    (i) => api.lookupSolutions(p, i),
  );
  server.registerResource(
    'session-brief',
    BRIEF_RESOURCE_URI,
    {
      title: 'Session brief',
      description: 'Last context, open tasks, system status and recent errors (Markdown).',
      mimeType: 'text/markdown',
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: await api.briefMarkdown(p) }] }),
  );
  return server;
}
