/**
 * The HTTP API server (Fastify 5): the routes of `routes.ts` over the API's operations, the
 * OpenAPI 3.1 document at `/openapi.json` (a docs page at `/docs`), API keys, the limits (a
 * rate limit per key shared by every server over the database, a budget of failed keys per client
 * address, timeouts for headers, bodies and idle connections, a cap on connections, a body limit
 * matching the input limits), CORS only for configured origins, JSON errors and the access log.
 * Other protocols served on the same port (MCP at `/mcp`) are extensions the caller registers, so
 * this adapter knows nothing of them.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { LIMITS } from '../contracts/limits';
import { callerKey, invalid, isOperator, rateLimited, toApiError, type BrainOpsApi, type Caller } from '../api';
import { errorAnswer } from './answers';
import { registerOtlpRoutes } from './otlp';
import { registerRoutes } from './routes';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Caller | null;
    cacheHit: boolean | null;
    /** The request's operations were logged one by one (each call of an MCP batch): no row for the request. */
    accessLogged: boolean;
  }
  interface FastifyContextConfig {
    /** Name of the operation in the access log; routes without one need no key. */
    operation?: string;
    /** Units of the key's rate limit a request spends (each message of an MCP batch); default 1. */
    cost?: (request: FastifyRequest) => number;
  }
}

/**
 * The largest body a request may have: a memory entry at every limit (its value, content and
 * title as escaped JSON text, its metadata) with room for the other fields. Larger bodies get 413.
 */
export const REQUEST_BODY_BYTES =
  LIMITS.memoryValueBytes + 6 * (LIMITS.memoryContentChars + LIMITS.memoryTitleChars) + LIMITS.metadataBytes + 65_536;

/** What an extension's routes get from the server. */
export interface ExtensionContext {
  /** The request's authenticated caller. */
  caller(request: FastifyRequest): Caller;
  /**
   * Logs one operation a request made (a request that makes several logs each of them); the
   * request then gets no row of its own.
   */
  logCall(request: FastifyRequest, call: { operation: string; status: number; latencyMs: number }): void;
}

/** Registers more routes on the server (MCP over streamable HTTP, for one). */
export type ServerExtension = (app: FastifyInstance, context: ExtensionContext) => void;

export interface ApiServerDeps {
  config: BrainOpsConfig;
  /** The operations (with their access log). */
  api: BrainOpsApi;
  logger: Logger;
  extensions?: ServerExtension[];
}

/** The status and JSON body for an error a request ended with. */
function answerFor(error: FastifyError, logger: Logger): { status: number; body: object; retryAfter?: number } {
  const known = toApiError(error);
  if (known) return errorAnswer(known);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return {
      status: 413,
      body: { error: 'PayloadTooLarge', message: `request bodies are limited to ${REQUEST_BODY_BYTES} bytes` },
    };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, body: invalid([{ field: '', reason: error.message }]).body() };
  logger.error({ err: error }, 'API request failed');
  return { status: 500, body: { error: 'InternalError', message: 'the request failed; see the server log' } };
}

/**
 * Node's http server options of the limits: how long headers and a whole request may take to
 * arrive (checked every quarter of the shorter, so a stalled request is closed soon after its time).
 */
function httpLimits(limits: BrainOpsConfig['api']) {
  const shorter = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(shorter / 4))),
  };
}

/** Builds the API server (not listening yet). */
export async function buildApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const { config, api, logger } = deps;
  const app = Fastify({
    bodyLimit: REQUEST_BODY_BYTES,
    requestTimeout: config.api.requestTimeoutMs,
    connectionTimeout: config.api.idleTimeoutMs,
    maxRequestsPerSocket: config.api.maxRequestsPerSocket,
    http: httpLimits(config.api),
    loggerInstance: logger.child({ component: 'api' }) as FastifyBaseLogger, // The access log records requests; one log line each would only slow them down.
    logController: new LogController({ disableRequestLogging: true }),
  });
  if (config.api.maxConnections > 0) app.server.maxConnections = config.api.maxConnections;
  // Each operation validates its own input (one rule for HTTP, MCP and the CLI): the route
  // schemas document the API and do not validate a second time.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  // Answers are built from the store's own types; the response schemas document them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('principal', null);
  app.decorateRequest('cacheHit', null);
  app.decorateRequest('accessLogged', false);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'BrainOps API',
        version: '1.0.0',
        description:
          'Persistent memory, sessions and error-learning for AI agents and services. Every request but /healthz, /readyz and the documentation carries an API key as `Authorization: Bearer <key>`; the tenant is the key’s.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (config.api.corsOrigins.length > 0) await app.register(cors, { origin: config.api.corsOrigins });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config.operation)
      request.principal = await api.authenticate(request.headers.authorization, request.ip);
  });
  // After the body is parsed (an MCP batch costs a unit per message) and the routes' own checks.
  app.addHook('preHandler', async (request, reply) => {
    const { operation, cost } = request.routeOptions.config;
    if (!operation || !request.principal) return;
    const verdict = await api.charge(request.principal, cost ? cost(request) : 1);
    if (!verdict) return;
    void reply.headers({
      'x-ratelimit-limit': verdict.limit,
      'x-ratelimit-remaining': verdict.remaining,
      'x-ratelimit-reset': verdict.resetSeconds,
    });
    if (!verdict.allowed)
      throw rateLimited(
        `this API key may make ${verdict.limit} requests a minute; try again in ${verdict.resetSeconds}s`,
        verdict.resetSeconds,
      );
  });
  const log = (request: FastifyRequest, call: { operation: string; status: number; latencyMs: number }) => {
    const caller = request.principal;
    const keyId = caller && callerKey(caller);
    if (!caller || !keyId) return;
    api.accessLog?.record({
      at: new Date(),
      keyId,
      tenantId: isOperator(caller) ? null : caller.tenantId,
      ...call,
      cacheHit: request.cacheHit,
    });
  };
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.routeOptions.config.operation;
    if (!operation || request.accessLogged) return;
    log(request, { operation, status: reply.statusCode, latencyMs: reply.elapsedTime });
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const { status, body, retryAfter } = answerFor(error, logger);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NotFound', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await api.ready();
      return { status: 'ready' };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: (error as Error).message });
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerRoutes(app, api);
  registerOtlpRoutes(app, api, config.otlp.maxBodyBytes);
  const context: ExtensionContext = {
    caller: (request) => request.principal!,
    logCall: (request, call) => {
      request.accessLogged = true;
      log(request, call);
    },
  };
  for (const extend of deps.extensions ?? []) extend(app, context);
  await app.ready();
  return app;
}

/** A listening API server. */
export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Builds the API server and listens on `config.api.host`:`port` (0: any free port).
 * @throws Error when the port is taken.
 */
export async function startApiServer(deps: ApiServerDeps, port = deps.config.api.port): Promise<ApiServer> {
  const app = await buildApiServer(deps);
  await app.listen({ host: deps.config.api.host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${deps.config.api.host.includes(':') ? `[${deps.config.api.host}]` : deps.config.api.host}:${bound}`,
    port: bound,
    close: async () => {
      await app.close();
      await deps.api.drain();
    },
  };
}
