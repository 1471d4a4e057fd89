/**
 * The routes of the HTTP API: `/memory/context/*` and `/memory/session/*`, tasks, the
 * session-start brief, error reports, knowledge-base lookups and operator actions. Every route
 * but the health and documentation ones needs an API key; each names the operation the access
 * log records.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiPrincipal } from '../contracts/api';
import type { MemoryApi } from './operations';
import * as s from './schemas';

type App = FastifyInstance;
type Schema = {
  summary: string;
  tags: string[];
  body?: z.ZodType;
  querystring?: z.ZodType;
  params?: z.ZodType;
  response: z.ZodType;
};

const errors = { 400: s.errorResponse, 401: s.errorResponse, 403: s.errorResponse, 404: s.errorResponse };

/** The principal the `onRequest` hook authenticated (every route of this file has one). */
function principal(request: FastifyRequest): ApiPrincipal {
  return request.principal!;
}

function define<B, Q, P>(
  app: App,
  method: 'GET' | 'POST',
  url: string,
  operation: string,
  schema: Schema,
  handler: (
    p: ApiPrincipal,
    input: { body: B; query: Q; params: P },
    request: FastifyRequest,
    reply: FastifyReply,
  ) => unknown,
): void {
  const { response, ...rest } = schema;
  app.withTypeProvider<ZodTypeProvider>().route({
    method,
    url,
    config: { operation },
    schema: { ...rest, security: [{ apiKey: [] }], response: { 200: response, ...errors } },
    handler: (request, reply) =>
      handler(
        principal(request),
        { body: request.body as B, query: request.query as Q, params: request.params as P },
        request,
        reply,
      ),
  });
}

/** Registers the memory, session, error and operator routes on `app`. */
export function registerRoutes(app: App, api: MemoryApi): void {
  const context = ['memory context'];
  define<s.StoreBody, never, never>(
    app,
    'POST',
    '/memory/context/store',
    'memory.store',
    { summary: 'Store (upsert) a memory entry', tags: context, body: s.storeBody, response: s.storeResponse },
    (p, { body }) => api.storeEntry(p, body),
  );
  define<s.RetrieveBody, never, never>(
    app,
    'POST',
    '/memory/context/retrieve',
    'memory.retrieve',
    {
      summary: 'Read one memory entry by key, scope and owners',
      tags: context,
      body: s.retrieveBody,
      response: s.retrieveResponse,
    },
    async (p, { body }, request) => {
      const { entry, cacheHit } = await api.retrieveEntry(p, body);
      request.cacheHit = cacheHit;
      return { success: true, ...entry };
    },
  );
  define<s.SearchBody, never, never>(
    app,
    'POST',
    '/memory/context/search',
    'memory.search',
    { summary: 'Search memory in natural language', tags: context, body: s.searchBody, response: s.searchResponse },
    (p, { body }) => api.search(p, body),
  );
  define<never, z.output<typeof s.statsQuery>, never>(
    app,
    'GET',
    '/memory/context/stats',
    'memory.stats',
    { summary: 'Counts of the tenant’s memory', tags: context, querystring: s.statsQuery, response: s.statsResponse },
    (p, { query }) => api.stats(p, query.all === 'true'),
  );

  const session = ['memory session'];
  define<s.SessionStartBody, never, never>(
    app,
    'POST',
    '/memory/session/start',
    'session.start',
    { summary: 'Start (or reuse) a session', tags: session, body: s.sessionStartBody, response: s.sessionResponse },
    (p, { body }) => api.startSession(p, body),
  );
  define<never, never, { sessionId: string }>(
    app,
    'POST',
    '/memory/session/resume/:sessionId',
    'session.resume',
    { summary: 'Resume a session', tags: session, params: s.sessionIdParams, response: s.sessionResponse },
    (p, { params }) => api.resumeSession(p, params.sessionId),
  );
  define<s.MessageBody, never, never>(
    app,
    'POST',
    '/memory/session/message',
    'session.message',
    {
      summary: 'Add a message (answered once the database stored it)',
      tags: session,
      body: s.messageBody,
      response: s.messageResponse,
    },
    (p, { body }) => api.message(p, body),
  );
  define<s.HandoffBody, never, never>(
    app,
    'POST',
    '/memory/session/handoff',
    'session.handoff',
    { summary: 'Hand the session to another agent', tags: session, body: s.handoffBody, response: s.handoffResponse },
    (p, { body }) => api.handoff(p, body),
  );
  define<s.EndBody, never, never>(
    app,
    'POST',
    '/memory/session/end',
    'session.end',
    { summary: 'End a session', tags: session, body: s.endBody, response: s.endResponse },
    (p, { body }) => api.endSession(p, body),
  );
  define<never, never, { sessionId: string }>(
    app,
    'GET',
    '/memory/session/context/:sessionId',
    'session.context',
    { summary: 'The live context of a session', tags: session, params: s.sessionIdParams, response: s.contextResponse },
    (p, { params }) => api.sessionContext(p, params.sessionId),
  );
  define<s.AddTaskBody, never, never>(
    app,
    'POST',
    '/memory/session/task/add',
    'session.task.add',
    { summary: 'Add a task to a session', tags: session, body: s.addTaskBody, response: s.taskResponse },
    (p, { body }) => api.addTask(p, body),
  );
  define<s.CompleteTaskBody, never, never>(
    app,
    'POST',
    '/memory/session/task/complete',
    'session.task.complete',
    { summary: 'Complete (or cancel) a task', tags: session, body: s.completeTaskBody, response: s.taskResponse },
    (p, { body }) => api.completeTask(p, body),
  );
  define<never, z.output<typeof s.briefQuery>, never>(
    app,
    'GET',
    '/memory/session/brief',
    'session.brief',
    {
      summary: 'Session-start brief: last context, open tasks, system status, recent errors (format=markdown for text)',
      tags: session,
      querystring: s.briefQuery,
      response: s.briefResponse,
    },
    async (p, { query }, _request, reply) => {
      if (query.format === 'markdown')
        return reply.type('text/markdown; charset=utf-8').send(await api.briefMarkdown(p));
      return api.brief(p);
    },
  );

  const knowledge = ['errors and knowledge'];
  define<s.ErrorReportBody, never, never>(
    app,
    'POST',
    '/errors',
    'errors.report',
    {
      summary: 'Report an error (recorded, then handed to error-learning)',
      tags: knowledge,
      body: s.errorReportBody,
      response: s.errorReportResponse,
    },
    (p, { body }) => api.reportError(p, body),
  );
  define<s.SolutionLookupBody, never, never>(
    app,
    'POST',
    '/knowledge/lookup',
    'knowledge.lookup',
    {
      summary: 'What fixed this before? Solutions for a similar error',
      tags: knowledge,
      body: s.solutionLookupBody,
      response: s.solutionLookupResponse,
    },
    (p, { body }) => api.lookupSolutions(p, body),
  );

  const operator = ['operator (admin keys)'];
  define<s.AddSolutionBody, never, never>(
    app,
    'POST',
    '/knowledge/solutions',
    'knowledge.add',
    {
      summary: 'Teach a solution naming a registered remediation',
      tags: operator,
      body: s.addSolutionBody,
      response: s.solutionResponse,
    },
    (p, { body }) => api.addSolution(p, body),
  );
  define<never, never, never>(
    app,
    'POST',
    '/admin/monitor/run',
    'admin.monitor',
    {
      summary: 'Run the SystemMonitor over the configured targets now',
      tags: operator,
      response: s.monitorResponse,
    },
    (p) => api.runMonitor(p),
  );
  define<never, never, never>(
    app,
    'GET',
    '/admin/metrics',
    'admin.metrics',
    {
      summary: 'Request metrics of the tenant’s keys in this server process',
      tags: operator,
      response: s.metricsResponse,
    },
    (p) => api.metrics(p),
  );
}
