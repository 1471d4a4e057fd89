/**
 * The MCP server of BrainOps: the tools and the brief resource an AI assistant session uses,
 * acting for one caller (an API key's tenant and role). Each tool is an operation of the API,
 * called with the tool's arguments exactly as an HTTP route calls it with its body: the same
 * validation, the same JSON answer, and a refusal answers `isError` with the route's JSON error
 * body (its status included). Tool input schemas are the operations' JSON Schemas without
 * `tenantId` (the tenant is the key's).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { STATUS_OF_KIND, toApiError, type BrainOpsApi, type Caller, type Operation } from '../api';
import { fromWire, toWire, wireErrorBody, wireIssuesError, wireSchema } from '../api/wire';

/** The URI of the session-start brief resource. */
export const BRIEF_RESOURCE_URI = 'brainops://brief';

interface Tool {
  name: string;
  description: string;
  operation: Operation;
}

/** The tools, each an operation of `api`. */
export function mcpTools(api: BrainOpsApi): Tool[] {
  return [
    {
      name: 'memory_store',
      description:
        'Store (upsert) a memory entry: key, value, searchable title/content, memoryType, layer, scope. Returns its syncVersion.',
      operation: api.memory.store,
    },
    {
      name: 'memory_search',
      description: 'Search memory entries and session messages in natural language; best first.',
      operation: api.memory.search,
    },
    {
      name: 'memory_retrieve',
      description: 'Read one memory entry by key, scope and owners.',
      operation: api.memory.retrieve,
    },
    {
      name: 'memory_list',
      description:
        'List memory entries newest first, filtered by layer, scope, memoryType, tags, owners; pass nextCursor back as cursor for the next page.',
      operation: api.memory.list,
    },
    {
      name: 'memory_delete',
      description:
        'Delete (forget) one memory entry by key, scope and owners; answers deleted: false when there was none.',
      operation: api.memory.delete,
    },
    {
      name: 'session_brief',
      description: 'The session-start brief: last context, open tasks, system status and recent errors of this tenant.',
      operation: api.operator.brief,
    },
    {
      name: 'session_start',
      description: 'Start (or reuse) a session; messages, tasks and handoffs need a started session.',
      operation: api.sessions.start,
    },
    {
      name: 'session_message',
      description: 'Add a message to a session; answers once the database stored it (seq, status).',
      operation: api.sessions.message,
    },
    {
      name: 'session_handoff',
      description:
        'Hand a session to another agent with critical facts and instructions; returns the context snapshot.',
      operation: api.sessions.handoff,
    },
    { name: 'task_add', description: 'Add a task to a session.', operation: api.sessions.addTask },
    {
      name: 'task_complete',
      description: 'Complete (or cancel) a task of a session.',
      operation: api.sessions.completeTask,
    },
    {
      name: 'error_report',
      description: 'Report an error: it is recorded and handed to error-learning, which applies known fixes.',
      operation: api.knowledge.report,
    },
    {
      name: 'solution_lookup',
      description: 'What fixed this before? Knowledge-base solutions for an error like this one.',
      operation: api.knowledge.lookup,
    },
  ];
}

/** The JSON Schema of an operation's input as a tenant's key sends it: wire names, no `tenant_id` (the key's). */
function toolSchema(operation: Operation): { type: 'object'; [key: string]: unknown } {
  const shape = (operation.input as { shape?: z.ZodRawShape }).shape ?? {};
  const { tenantId: _tenant, ...rest } = shape;
  const schema = z.toJSONSchema(wireSchema(z.object(rest)), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return { ...schema, type: 'object' };
}

function answer(value: unknown, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], ...(isError ? { isError: true } : {}) };
}

/** Calls `operation` with the tool's arguments (wire names), answering a refusal as the route's JSON error body. */
async function run(operation: Operation, caller: Caller, args: unknown): Promise<CallToolResult> {
  try {
    const { input, issues } = fromWire(args ?? {});
    if (issues.length) throw wireIssuesError(issues);
    return answer(toWire(operation.answer(await operation.call(caller, input))));
  } catch (error) {
    const known = toApiError(error);
    if (!known) throw error;
    return answer({ status: STATUS_OF_KIND[known.kind], ...wireErrorBody(known) }, true);
  }
}

/** An MCP server for `caller`: its tools and the brief resource. */
export function createMcpServer(api: BrainOpsApi, caller: Caller): Server {
  const server = new Server({ name: 'brainops', version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } });
  const tools = mcpTools(api);
  const byName = new Map(tools.map((t) => [t.name, t]));
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: toolSchema(t.operation) })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const tool = byName.get(request.params.name);
    if (!tool) return answer({ status: 404, error: 'NotFound', message: `no tool ${request.params.name}` }, true);
    return run(tool.operation, caller, request.params.arguments);
  });
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: [
      {
        uri: BRIEF_RESOURCE_URI,
        name: 'session-brief',
        title: 'Session brief',
        description: 'Last context, open tasks, system status and recent errors (Markdown).',
        mimeType: 'text/markdown',
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
    contents: [
      {
        uri: request.params.uri,
        mimeType: 'text/markdown',
        text: (await api.operator.briefMarkdown.call(caller, {})) as string,
      },
    ],
  }));
  return server;
}
