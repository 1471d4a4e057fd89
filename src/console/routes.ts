/**
 * The console's pages and actions: each turns its query string or form into the input of a console
 * operation (`api.console`, or `api.memory.search`) — the wire's strings into numbers, booleans
 * and dates, a bad one a 400 page naming the field — calls it as the viewer's caller (the
 * operation validates the input and checks the caller), and renders HTML. Another tenant's
 * objects are simply not found (404), also when a URL is edited by hand; operator pages and
 * actions are refused to a tenant's key, an `admin` one too (403). Actions answer with a redirect
 * to the page they came from (post/redirect/get), so a reload never repeats them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalid, notFound, type BrainOpsApi } from '../api';
import { LAYERS, MEMORY_TYPES, SCOPES } from '../contracts/memory';
import { LIMITS } from '../contracts/limits';
import type { MemoryBrowseQuery, MemorySearchQuery, Viewer } from './model';
import { CONSOLE_PREFIX, type PageContext } from './views/layout';
import { overviewPage } from './views/overview';
import { entryPage, memoryPage, searchResults } from './views/memory';
import { sessionPage, sessionsPage } from './views/sessions';
import { errorsPage, signatureHref, signaturePage } from './views/errors';
import { learningPage } from './views/learning';
import { procedureRunPage, proceduresPage } from './views/procedures';
import { operationsPage } from './views/operations';
import { query } from './views/parts';

const id = z.string().trim().min(1).max(200);
const optionalId = z.preprocess((v) => (v === '' ? undefined : v), id.optional());
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const checkbox = z.preprocess((v) => v === '1' || v === 'on', z.boolean());
const reason = z.string().trim().min(1, 'say why').max(2000);

const browseQuery = z.object({
  tenant: optionalId,
  none: checkbox,
  layer: optional(z.enum(LAYERS)),
  scope: optional(z.enum(SCOPES)),
  type: optional(z.enum(MEMORY_TYPES)),
  prefix: optional(z.string().max(LIMITS.memoryKeyChars)),
  after_at: optional(z.iso.datetime({ offset: true })),
  after_id: optional(z.uuid()),
});
const searchQuery = z.object({
  q: z.string().trim().min(1).max(LIMITS.searchQueryChars),
  tenant: optionalId,
  session: optionalId,
  exact: checkbox,
});
const sessionsQuery = z.object({
  tenant: optionalId,
  status: optional(z.enum(['active', 'ended'])),
  after_at: optional(z.iso.datetime({ offset: true })),
  after_tenant: optionalId,
  after_session: optionalId,
});
const answerBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('resolve'),
    signature: z.string().min(1).max(2000),
    action: id,
    description: optional(z.string().trim().max(2000)),
  }),
  z.object({ kind: z.literal('retry'), signature: z.string().min(1).max(2000) }),
  z.object({
    kind: z.literal('ignore'),
    signature: z.string().min(1).max(2000),
    reason: optional(z.string().trim().max(2000)),
  }),
]);

/** Parses `value` (a query string or form) or throws the API's `invalid` naming the bad fields. */
function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw invalid(result.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })));
}

/**
 * The tenant field of an operation's input: the operator's choice (none: every tenant); nothing
 * for a tenant's key, whose own tenant the operation fills in (a tenant named in an edited URL is
 * not sent, so it is never another tenant's).
 */
function viewed(viewer: Viewer, tenantId: string | undefined): { tenantId?: string } {
  return viewer.operator && tenantId !== undefined ? { tenantId } : {};
}

type Context = (request: FastifyRequest, reply: FastifyReply) => PageContext;

const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);

export function registerPages(app: FastifyInstance, api: BrainOpsApi, context: Context): void {
  const hide = { schema: { hide: true } };
  const viewer = (request: FastifyRequest) => request.consoleViewer!;
  const caller = (request: FastifyRequest) => viewer(request).caller;
  const ops = api.console;
  /** A page of entries for the memory page. */
  const browse = (request: FastifyRequest, q: MemoryBrowseQuery) => {
    const { tenantId, ...filters } = q;
    return ops.browseMemory.call(caller(request), { ...viewed(viewer(request), tenantId), ...filters });
  };
  const csrf = { ...hide, preHandler: app.csrfProtection };

  app.get('/', hide, async (request, reply) => {
    return html(reply, overviewPage(context(request, reply), await ops.overview.call(caller(request), {})));
  });

  app.get('/memory', hide, async (request, reply) => {
    const q = parse(browseQuery, request.query);
    const filters: MemoryBrowseQuery = {
      tenantId: q.tenant,
      noTenant: q.none,
      layer: q.layer,
      scope: q.scope,
      memoryType: q.type,
      keyPrefix: q.prefix,
      after: q.after_at && q.after_id ? { updatedAt: new Date(q.after_at), id: q.after_id } : undefined,
    };
    const list = await browse(request, filters);
    return html(reply, memoryPage(context(request, reply), filters, list, { q: null, hits: [] }));
  });

  app.get('/memory/search', hide, async (request, reply) => {
    const q = parse(searchQuery, request.query);
    const search: MemorySearchQuery = {
      query: q.q,
      tenantId: q.tenant,
      sessionId: q.session,
      mode: q.exact ? 'websearch' : 'natural',
    };
    const { hits } = await api.memory.search.call(caller(request), {
      query: search.query,
      mode: search.mode,
      sessionId: search.sessionId,
      ...viewed(viewer(request), search.tenantId),
      explain: true,
      limit: 25,
    });
    const ctx = context(request, reply);
    // htmx asks for the results alone; a plain request gets the whole page.
    if (request.headers['hx-request'] === 'true') return html(reply, searchResults(ctx, search, hits));
    const list = await browse(request, {});
    return html(reply, memoryPage(ctx, {}, list, { q: search, hits }));
  });

  app.get<{ Params: { id: string } }>('/memory/entries/:id', hide, async (request, reply) => {
    const found = await ops.memoryEntry.call(caller(request), { id: request.params.id });
    return html(reply, entryPage(context(request, reply), found));
  });

  app.get('/sessions', hide, async (request, reply) => {
    const q = parse(sessionsQuery, request.query);
    const filters = {
      tenantId: q.tenant,
      status: q.status,
      after:
        q.after_at && q.after_tenant && q.after_session
          ? { lastActivityAt: new Date(q.after_at), tenantId: q.after_tenant, sessionId: q.after_session }
          : undefined,
    };
    const { tenantId, ...rest } = filters;
    const list = await ops.sessions.call(caller(request), { ...viewed(viewer(request), tenantId), ...rest });
    return html(reply, sessionsPage(context(request, reply), filters, list));
  });

  app.get<{ Params: { tenant: string; session: string } }>(
    '/sessions/:tenant/:session',
    hide,
    async (request, reply) => {
      const before = parse(z.object({ before: optional(z.iso.datetime({ offset: true })) }), request.query).before;
      const { tenant, session } = request.params;
      const v = viewer(request);
      if (!v.operator && tenant !== v.tenantId)
        throw notFound(`no session ${tenant} / ${session} that this key may see`);
      const found = await ops.session.call(caller(request), {
        ...(v.operator ? { tenantId: tenant } : {}),
        sessionId: session,
        before: before ? new Date(before) : undefined,
      });
      return html(reply, sessionPage(context(request, reply), found));
    },
  );

  app.get('/errors', hide, async (request, reply) => {
    const { days } = parse(z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }), request.query);
    return html(reply, errorsPage(context(request, reply), await ops.errors.call(caller(request), { days })));
  });

  app.get('/errors/signature', hide, async (request, reply) => {
    const { s } = parse(z.object({ s: z.string().min(1).max(2000) }), request.query);
    const found = await ops.errorSignature.call(caller(request), { signature: s });
    return html(reply, signaturePage(context(request, reply), found));
  });

  app.post('/errors/answer', csrf, async (request, reply) => {
    const answer = parse(answerBody, request.body);
    await ops.answerEscalation.call(caller(request), answer);
    return reply.redirect(signatureHref(answer.signature), 303);
  });

  app.get('/learning', hide, async (request, reply) => {
    return html(reply, learningPage(context(request, reply), await ops.learning.call(caller(request), {})));
  });

  app.get('/procedures', hide, async (request, reply) => {
    return html(reply, proceduresPage(context(request, reply), await ops.procedures.call(caller(request), {})));
  });

  app.get('/procedures/run', hide, async (request, reply) => {
    const { id: workflowId } = parse(z.object({ id: z.string().min(1).max(1000) }), request.query);
    const found = await ops.procedureRun.call(caller(request), { workflowId });
    return html(reply, procedureRunPage(context(request, reply), found));
  });

  const runPage = (workflowId: string) => `${CONSOLE_PREFIX}/procedures/run${query({ id: workflowId })}`;
  app.post('/procedures/approve', csrf, async (request, reply) => {
    const body = parse(z.object({ workflowId: z.string().min(1).max(1000), reason }), request.body);
    await ops.approveStep.call(caller(request), body);
    return reply.redirect(runPage(body.workflowId), 303);
  });

  app.post('/procedures/skip', csrf, async (request, reply) => {
    const body = parse(
      z.object({ workflowId: z.string().min(1).max(1000), stepId: z.string().min(1).max(64), reason }),
      request.body,
    );
    await ops.skipStep.call(caller(request), body);
    return reply.redirect(runPage(body.workflowId), 303);
  });

  app.get('/operations', hide, async (request, reply) => {
    return html(reply, operationsPage(context(request, reply), await ops.operations.call(caller(request), {})));
  });
}
