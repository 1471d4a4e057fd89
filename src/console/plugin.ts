/**
 * The web console as a Fastify plugin, registered under `/console` on the API server: an adapter
 * over the API — each page calls a console operation (`api.console`) as the viewer's caller, and
 * maps an `ApiError`'s kind to a status as HTTP does. Who may look: a visitor signs in with an API key and gets a session cookie
 * (HttpOnly, SameSite=Strict, Path=/console, Secure over HTTPS); every other request without a live
 * session is sent to the sign-in page, which is all an anonymous visitor is served. Every form that
 * changes something carries a CSRF token (`@fastify/csrf-protection`, its secret in a cookie of its
 * own), checked before the action runs. Every page is sent with a content security policy that
 * allows only BrainOps' own scripts and styles.
 */
import crypto from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import { STATUS_OF_KIND, toApiError, type ApiErrorKind, type BrainOpsApi } from '../api';
import { ASSETS, consoleCss } from './assets';
import type { Viewer } from './model';
import { CONSOLE_PREFIX, problemPage, signInPage, type PageContext } from './views/layout';
import type { TemporalLinks } from './views/parts';
import { registerPages } from './routes';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console viewer of a signed-in request (console routes only). */
    consoleViewer: Viewer | null;
    consoleSession: string | null;
  }
}

/** Options of {@link consolePlugin}. */
export interface ConsolePluginOptions {
  /** The operations each page calls, and the sign-in sessions. */
  api: BrainOpsApi;
  /** Where workflows link to in the Temporal Web UI. */
  links: TemporalLinks;
  /** How long a sign-in lasts, ms (the cookie's Max-Age). */
  sessionTtlMs: number;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'brainops_console';
const CSRF_COOKIE = 'brainops_console_csrf';
/** Paths served without a session: the sign-in page and its form. */
const OPEN_PATHS = new Set([`${CONSOLE_PREFIX}/sign-in`]);

const SIGNED_IN_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The policy of an anonymous page: its one inline stylesheet, by hash (CSP Level 2, "hash-source"). */
function anonymousPolicy(pageHtml: string): string {
  const style = /<style>([\s\S]*?)<\/style>/.exec(pageHtml)?.[1] ?? '';
  const hash = crypto.createHash('sha256').update(style).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

/** Where a visitor who is not signed in is sent, keeping where they wanted to go. */
function signInLocation(request: FastifyRequest): string {
  const next = request.method === 'GET' ? request.url : CONSOLE_PREFIX;
  return `${CONSOLE_PREFIX}/sign-in?next=${encodeURIComponent(next)}`;
}

/** Only paths of the console are followed after sign-in (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' &&
    next.startsWith(`${CONSOLE_PREFIX}`) &&
    !next.startsWith('//') &&
    !/[\\\r\n]/.test(next)
    ? next
    : CONSOLE_PREFIX;
}

export async function consolePlugin(app: FastifyInstance, opts: ConsolePluginOptions): Promise<void> {
  const css = consoleCss();
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: CONSOLE_PREFIX, sameSite: 'strict', httpOnly: true, signed: false },
  });
  await app.register(fastifyStatic, { root: Object.values(ASSETS)[0]!.dir, serve: false });
  app.decorateRequest('consoleViewer', null);
  app.decorateRequest('consoleSession', null);

  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const anonymous = (reply: FastifyReply, status: number, pageHtml: string) =>
    reply
      .code(status)
      .header('content-security-policy', anonymousPolicy(pageHtml))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(pageHtml);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    const session = request.cookies[SESSION_COOKIE];
    const viewer = session ? await opts.api.consoleSessions.viewer(session) : null;
    if (!viewer) {
      if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(signInLocation(request), 303);
      return reply.code(401).type('text/plain; charset=utf-8').send('Sign in first.');
    }
    request.consoleViewer = viewer;
    request.consoleSession = session!;
    if (!path.startsWith(`${CONSOLE_PREFIX}/assets/`)) {
      reply.header('content-security-policy', SIGNED_IN_POLICY);
      reply.header('cache-control', 'no-store');
    }
  });

  /** What a signed-in page is rendered with. */
  const context = (request: FastifyRequest, reply: FastifyReply): PageContext => ({
    viewer: request.consoleViewer!,
    csrf: reply.generateCsrf({ path: CONSOLE_PREFIX, sameSite: 'strict', httpOnly: true, secure: secure(request) }),
    links: opts.links,
    path: request.url.split('?')[0]!,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, title, message } = describe(error);
    if (status === 503) reply.header('retry-after', '5');
    if (status >= 500) request.log.error({ err: error }, 'console request failed');
    if (!request.consoleViewer) return anonymous(reply, status, problemPage(null, title, message, css));
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(problemPage(context(request, reply), title, message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(problemPage(context(request, reply), 'Not found', `Nothing at ${request.url.split('?')[0]}.`)),
  );

  app.get('/sign-in', { schema: { hide: true } }, (request, reply) => {
    const next = safeNext((request.query as { next?: unknown }).next);
    const csrf = reply.generateCsrf({
      path: CONSOLE_PREFIX,
      sameSite: 'strict',
      httpOnly: true,
      secure: secure(request),
    });
    return anonymous(reply, 200, signInPage({ csrf, next, css }));
  });
  app.post('/sign-in', { schema: { hide: true }, preHandler: app.csrfProtection }, async (request, reply) => {
    const body = (request.body ?? {}) as { key?: unknown; next?: unknown };
    const next = safeNext(body.next);
    // The API's budget of unknown keys per address holds here too: no look-up once it is spent.
    const wait = opts.api.authFailures.take(request.ip);
    if (wait > 0) void reply.header('retry-after', String(wait));
    const signed = wait === 0 && typeof body.key === 'string' ? await opts.api.consoleSessions.signIn(body.key) : null;
    if (signed) opts.api.authFailures.refund(request.ip);
    if (!signed) {
      const csrf = reply.generateCsrf({
        path: CONSOLE_PREFIX,
        sameSite: 'strict',
        httpOnly: true,
        secure: secure(request),
      });
      if (wait > 0)
        return anonymous(
          reply,
          429,
          signInPage({ csrf, next, css, error: `Too many unknown keys from this address; try again in ${wait}s.` }),
        );
      return anonymous(reply, 401, signInPage({ csrf, next, css, error: 'That key is unknown or revoked.' }));
    }
    reply.setCookie(SESSION_COOKIE, signed.sessionId, {
      path: CONSOLE_PREFIX,
      httpOnly: true,
      sameSite: 'strict',
      secure: secure(request),
      maxAge: Math.floor(opts.sessionTtlMs / 1000),
    });
    return reply.redirect(next, 303);
  });
  app.post('/sign-out', { schema: { hide: true }, preHandler: app.csrfProtection }, async (request, reply) => {
    await opts.api.consoleSessions.signOut(request.consoleSession!);
    reply.clearCookie(SESSION_COOKIE, { path: CONSOLE_PREFIX });
    return reply.redirect(`${CONSOLE_PREFIX}/sign-in`, 303);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.name) ? ASSETS[request.params.name] : undefined;
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset');
    return reply.header('cache-control', 'private, max-age=3600').sendFile(asset.file, asset.dir);
  });

  registerPages(app, opts.api, context);
}

/** The title of a page answering an API error of each kind. */
const TITLES: Record<ApiErrorKind, string> = {
  invalid: 'Bad input',
  unauthenticated: 'Sign in first',
  forbidden: 'Not yours to see',
  not_found: 'Not found',
  conflict: 'Could not be done',
  too_large: 'Too large',
  rate_limited: 'Too many requests',
  unavailable: 'Unavailable',
};

/**
 * The status, title and message a failed console request is answered with: an API error by its
 * kind (the statuses of `STATUS_OF_KIND`, as HTTP answers), a form without its CSRF token 403.
 */
function describe(error: FastifyError): { status: number; title: string; message: string } {
  if (error.code?.startsWith('FST_CSRF'))
    return {
      status: 403,
      title: 'Refused',
      message: 'The form’s security token was missing or wrong: reload the page and try again.',
    };
  const known = toApiError(error);
  if (known) return { status: STATUS_OF_KIND[known.kind], title: TITLES[known.kind], message: known.message };
  if (error.validation)
    return {
      status: 400,
      title: 'Bad input',
      message: error.validation
        .map((v) => `${v.instancePath.replace(/^\//, '') || 'request'}: ${v.message}`)
        .join('; '),
    };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, title: 'Refused', message: error.message };
  return {
    status: 500,
    title: 'Something failed',
    message: 'The page could not be built; the server log has the details.',
  };
}
