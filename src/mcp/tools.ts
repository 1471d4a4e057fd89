/**
 * The MCP server of BrainOps: the tools and the brief resource an AI assistant session uses,
 * acting for one caller (an API key's tenant and role). Each tool is an operation of the API,
 * called with the tool's arguments exactly as an HTTP route calls it with its body: the same
 * validation, the same JSON answer, and a refusal answers `isError` with the route's JSON error
 * body (its HTTP status added as `status`); an unexpected failure answers the route's 500 body
 * and is logged, as HTTP does, rather than a JSON-RPC error carrying the failure's own message.
 * Tool input schemas are the operations' JSON Schemas without `tenantId` (the tenant is the key's).
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

/** The body of a failure no API error stands for: the HTTP API's 500 body (the failure itself goes to the log). */
const INTERNAL_ERROR = { status: 500, error: 'InternalError', message: 'the request failed; see the server log' };

/** A tool's answer and the HTTP status it stands for (200, or its error body's). */
interface Outcome {
  result: CallToolResult;
  status: number;
}

/** A refusal: the error body with its status, as `isError`. */
function refusal(body: { status: number; error: string; message: string }): Outcome {
  return { result: answer(body, true), status: body.status };
}

/** Calls `operation` with the tool's arguments (wire names), answering a refusal as the route's JSON error body. */
async function run(api: BrainOpsApi, operation: Operation, caller: Caller, args: unknown): Promise<Outcome> {
  try {
    const { input, issues } = fromWire(args ?? {});
    if (issues.length) throw wireIssuesError(issues);
    return { result: answer(toWire(operation.answer(await operation.call(caller, input)))), status: 200 };
  } catch (error) {
    const known = toApiError(error);
    if (known) return refusal({ status: STATUS_OF_KIND[known.kind], ...wireErrorBody(known) });
    api.logger.error({ err: error, operation: operation.name }, 'MCP tool call failed');
    return refusal(INTERNAL_ERROR);
  }
}

/** One tool call, for the access log. */
export interface ToolCall {
  /** The tool's name; `unknown` for a name that is not a tool. */
  tool: string;
  /** The status of the answer (200, or its error body's). */
  status: number;
  latencyMs: number;
}

/**
 * An MCP server for `caller`: its tools and the brief resource. `onToolCall` hears of each tool
 * call once it is answered (the HTTP transport logs each call of a batch).
 */
export function createMcpServer(api: BrainOpsApi, caller: Caller, onToolCall?: (call: ToolCall) => void): Server {
  const server = new Server({ name: 'brainops', version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } });
  const tools = mcpTools(api);
  const byName = new Map(tools.map((t) => [t.name, t]));
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: toolSchema(t.operation) })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const started = performance.now();
    const tool = byName.get(request.params.name);
    const { result, status } = tool
      ? await run(api, tool.operation, caller, request.params.arguments)
      : refusal({ status: 404, error: 'NotFound', message: `no tool ${request.params.name}` });
    onToolCall?.({ tool: tool?.name ?? 'unknown', status, latencyMs: performance.now() - started });
    return result;
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
