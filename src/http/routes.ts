/**
 * The routes of the HTTP API, as a table over the API's operations: `/memory/context/*` and
 * `/memory/session/*`, tasks, the session-start brief, error reports, knowledge-base lookups and
 * operator actions. A route names its operation, where its input comes from (the JSON body, the
 * path, the query) and what it answers; the operation validates the input, checks the key's
 * role and acts. Every route needs an API key; the operation's name is what the access log records.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError, invalid, type BrainOpsApi, type Caller, type Operation } from '../api';
import { ValidationError } from '../contracts/errors';
import { fromWire, toWire, wireIssuesError, wireSchema } from '../api/wire';
import ms, { type StringValue } from 'ms';
import * as r from './responses';

/** One route: an operation behind a method and a path. */
interface Route {
  method: 'GET' | 'POST';
  url: string;
  tags: string[];
  operation: Operation;
  /** The raw input of the operation; default: the JSON body. */
  input?: (request: FastifyRequest) => unknown;
  /** Documentation of the path or query (the operation validates them). */
  params?: z.ZodType;
  querystring?: z.ZodType;
  response: z.ZodType;
  /** The status of a success: 202 for work accepted and still running. @defaultValue 200 */
  status?: 200 | 202;
  /**
   * The body is another system's format (Alertmanager's camelCase), documented by the operation's
   * input and taken as sent: not renamed from snake_case, and a refusal names its fields as sent.
   */
  asSent?: true;
  /** Answers the request itself (another content type); otherwise the operation's JSON answer. */
  reply?: (caller: Caller, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** Every error status a route may answer, each with the JSON error body. */
const errorStatuses = [400, 401, 403, 404, 408, 409, 413, 415, 429, 500, 503] as const;

/**
 * The documented body of an operation's input, as the wire names it: `tenant_id` is optional (the
 * key says which tenant a request acts for; a body may repeat it, never name another).
 */
function documentedBody(input: z.ZodType): z.ZodType | undefined {
  const shape = (input as { shape?: z.ZodRawShape }).shape;
  if (!shape) return undefined;
  const { tenantId: _tenant, ...rest } = shape;
  const tenantId = z
    .string()
    .optional()
    .describe('the API key’s tenant (optional: the key names it; another is refused with 403)');
  return wireSchema(z.strictObject({ ...rest, ...(shape.tenantId ? { tenantId } : {}) }));
}

const sessionIdParams = z.strictObject({ session_id: z.string() });

/** A query string's fields, with `names` as booleans where they say `true` or `false` (anything else is left for the operation to refuse). */
function queryWithBooleans(query: unknown, names: string[]): Record<string, unknown> {
  const fields = { ...(query as Record<string, unknown>) };
  for (const name of names)
    if (fields[name] === 'true' || fields[name] === 'false') fields[name] = fields[name] === 'true';
  return fields;
}
const sessionFromPath = (request: FastifyRequest) => request.params;

/**
 * `GET /ops/endpoints`'s input from its query: `since` a duration back from now (`1h`, `7d`;
 * default `1h`), `limit` a number; other fields as they are (the operation checks them).
 */
function endpointsQuery(request: FastifyRequest): Record<string, unknown> {
  const { since = '1h', limit, ...rest } = request.query as Record<string, string | undefined>;
  let back: number | undefined;
  try {
    back = ms(since as StringValue);
  } catch {
    back = undefined;
  }
  if (back === undefined || !Number.isFinite(back) || back <= 0)
    throw invalid([{ field: 'since', reason: 'expected a duration such as 15m, 1h or 7d' }]);
  return {
    ...rest,
    since: new Date(Date.now() - back),
    ...(limit === undefined ? {} : { limit: /^\d+$/.test(limit) ? Number(limit) : limit }),
  };
}

/** The route table. */
function routes(api: BrainOpsApi): Route[] {
  const context = ['memory context'];
  const session = ['memory session'];
  const erasure = ['memory erasure'];
  const knowledge = ['errors and knowledge'];
  const operator = ['operator (admin keys)'];
  const ingest = ['ingest'];
  return [
    {
      method: 'POST',
      url: '/memory/context/store',
      tags: context,
      operation: api.memory.store,
      response: r.storeResponse,
    },
    {
      method: 'POST',
      url: '/memory/context/retrieve',
      tags: context,
      operation: api.memory.retrieve,
      response: r.retrieveResponse,
    },
    {
      method: 'POST',
      url: '/memory/context/search',
      tags: context,
      operation: api.memory.search,
      response: r.searchResponse,
    },
    {
      method: 'POST',
      url: '/memory/context/list',
      tags: context,
      operation: api.memory.list,
      response: r.listResponse,
    },
    {
      method: 'POST',
      url: '/memory/context/delete',
      tags: context,
      operation: api.memory.delete,
      response: r.deleteResponse,
    },
    {
      method: 'POST',
      url: '/memory/erase',
      tags: erasure,
      operation: api.erasure.start,
      status: 202,
      response: r.erasureStartResponse,
    },
    {
      method: 'GET',
      url: '/memory/erase/:erasure_id',
      tags: erasure,
      operation: api.erasure.status,
      params: z.strictObject({ erasure_id: z.string() }),
      input: (request) => request.params,
      response: r.erasureReceiptResponse,
    },
    {
      method: 'GET',
      url: '/memory/context/stats',
      tags: context,
      operation: api.memory.stats,
      querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      input: (request) => queryWithBooleans(request.query, ['all']),
      response: r.statsResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/start',
      tags: session,
      operation: api.sessions.start,
      response: r.sessionResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/resume/:session_id',
      tags: session,
      operation: api.sessions.resume,
      params: sessionIdParams,
      input: sessionFromPath,
      response: r.sessionResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/message',
      tags: session,
      operation: api.sessions.message,
      response: r.messageResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/handoff',
      tags: session,
      operation: api.sessions.handoff,
      response: r.handoffResponse,
    },
    { method: 'POST', url: '/memory/session/end', tags: session, operation: api.sessions.end, response: r.endResponse },
    {
      method: 'GET',
      url: '/memory/session/context/:session_id',
      tags: session,
      operation: api.sessions.context,
      params: sessionIdParams,
      input: sessionFromPath,
      response: r.contextResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/task/add',
      tags: session,
      operation: api.sessions.addTask,
      response: r.taskResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/task/complete',
      tags: session,
      operation: api.sessions.completeTask,
      response: r.taskResponse,
    },
    {
      method: 'POST',
      url: '/memory/session/tool',
      tags: session,
      operation: api.sessions.toolCall,
      response: r.toolCallResponse,
    },
    {
      method: 'GET',
      url: '/memory/session/brief',
      tags: session,
      operation: api.operator.brief,
      querystring: z.strictObject({ format: z.enum(['json', 'markdown']).default('json') }),
      input: () => ({}),
      response: r.briefResponse,
      reply: async (caller, request, reply) => {
        const format = (request.query as { format?: string }).format ?? 'json';
        if (format !== 'json' && format !== 'markdown')
          throw invalid([{ field: 'format', reason: 'expected json or markdown' }]);
        if (format === 'json') return toWire(await api.operator.brief.call(caller, {}));
        return reply.type('text/markdown; charset=utf-8').send(await api.operator.briefMarkdown.call(caller, {}));
      },
    },
    {
      method: 'POST',
      url: '/errors',
      tags: knowledge,
      operation: api.knowledge.report,
      response: r.errorReportResponse,
    },
    {
      method: 'POST',
      url: '/ingest/alertmanager',
      tags: ingest,
      operation: api.alerts.alertmanager,
      asSent: true,
      response: r.alertIntakeResponse,
    },
    {
      method: 'POST',
      url: '/knowledge/lookup',
      tags: knowledge,
      operation: api.knowledge.lookup,
      response: r.solutionLookupResponse,
    },
    {
      method: 'POST',
      url: '/knowledge/solutions',
      tags: operator,
      operation: api.knowledge.addSolution,
      response: r.solutionResponse,
    },
    {
      method: 'GET',
      url: '/ops/endpoints',
      tags: ['capture (OpenTelemetry)'],
      operation: api.capture.endpoints,
      querystring: z.strictObject({
        service: z.string().optional(),
        route: z.string().optional(),
        since: z.string().optional().describe('how far back, e.g. 15m, 1h, 7d (default 1h)'),
        limit: z.string().optional().describe('routes at most (1–1000, default 50)'),
      }),
      input: endpointsQuery,
      response: r.endpointsResponse,
    },
    {
      method: 'POST',
      url: '/admin/monitor/run',
      tags: operator,
      operation: api.operator.runMonitor,
      input: () => ({}),
      response: r.monitorResponse,
    },
    {
      method: 'GET',
      url: '/admin/metrics',
      tags: operator,
      operation: api.operator.metrics,
      input: () => ({}),
      response: r.metricsResponse,
    },
  ];
}

/** Calls `operation` with a body taken as sent; a refusal names the fields as the body has them. */
async function callAsSent(operation: Operation, caller: Caller, body: unknown): Promise<unknown> {
  try {
    return await operation.call(caller, body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const { message, issues, subject } = invalid(
      error.issues.map((i) => ({ field: i.field, reason: i.message })),
      error.subject,
    );
    throw new ApiError('invalid', 'ValidationError', message, issues, subject, true);
  }
}

/** Whether a result says the process cache served it (a retrieve), for the access log. */
function cacheHitOf(result: unknown): boolean | null {
  const hit = (result as { cacheHit?: unknown } | null)?.cacheHit;
  return typeof hit === 'boolean' ? hit : null;
}

/** Registers the memory, session, error and operator routes on `app`. */
export function registerRoutes(app: FastifyInstance, api: BrainOpsApi): void {
  for (const route of routes(api)) {
    const { operation } = route;
    const body = route.asSent
      ? operation.input
      : route.method === 'POST' && !route.input
        ? documentedBody(operation.input)
        : undefined;
    app.route({
      method: route.method,
      url: route.url,
      config: { operation: operation.name },
      schema: {
        summary: operation.summary,
        tags: route.tags,
        security: [{ apiKey: [] }],
        ...(body ? { body } : {}),
        ...(route.params ? { params: route.params } : {}),
        ...(route.querystring ? { querystring: route.querystring } : {}),
        response: {
          [route.status ?? 200]: wireSchema(route.response),
          ...Object.fromEntries(errorStatuses.map((s) => [s, r.errorResponse])),
        },
      },
      handler: async (request, reply) => {
        const caller = request.principal!;
        if (route.reply) return route.reply(caller, request, reply);
        if (route.asSent) return toWire(operation.answer(await callAsSent(operation, caller, request.body)));
        const { input, issues } = fromWire(route.input ? route.input(request) : request.body);
        if (issues.length) throw wireIssuesError(issues);
        const result = await operation.call(caller, input);
        request.cacheHit = cacheHitOf(result);
        if (route.status) reply.code(route.status);
        return toWire(operation.answer(result));
      },
    });
  }
}
