/**
 * The HTTP API server (Fastify 5): the routes of `routes.ts` over the API's operations, the
 * OpenAPI 3.1 document at `/openapi.json` (a docs page at `/docs`), API keys, a rate limit per
 * key, a body limit matching the input limits, CORS only for configured origins, JSON errors and
 * the access log. Other protocols served on the same port (MCP at `/mcp`) are extensions the
 * caller registers, so this adapter knows nothing of them.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { LIMITS } from '../contracts/limits';
import { callerKey, invalid, isOperator, toApiError, type BrainOpsApi, type Caller } from '../api';
import { errorAnswer } from './answers';
import { registerRoutes } from './routes';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Caller | null;
    cacheHit: boolean | null;
  }
  interface FastifyContextConfig {
    /** Name of the operation in the access log; routes without one need no key. */
    operation?: string;
  }
}

/**
 * The largest body a request may have: a memory entry at every limit (its value, content and
 * title as escaped JSON text, its metadata) with room for the other fields. Larger bodies get 413.
 */
export const REQUEST_BODY_BYTES =
  LIMITS.memoryValueBytes + 6 * (LIMITS.memoryContentChars + LIMITS.memoryTitleChars) + LIMITS.metadataBytes + 65_536;

/** Registers more routes on the server (MCP over streamable HTTP, for one). `caller` is the request's authenticated caller. */
export type ServerExtension = (app: FastifyInstance, context: { caller(request: FastifyRequest): Caller }) => void;

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
  if (error.statusCode === 429) return { status: 429, body: { error: 'TooManyRequests', message: error.message } };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, body: invalid([{ field: '', reason: error.message }]).body() };
  logger.error({ err: error }, 'API request failed');
  return { status: 500, body: { error: 'InternalError', message: 'the request failed; see the server log' } };
}

/** Builds the API server (not listening yet). */
export async function buildApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const { config, api, logger } = deps;
  const app = Fastify({
    bodyLimit: REQUEST_BODY_BYTES,
    loggerInstance: logger.child({ component: 'api' }) as FastifyBaseLogger, // The access log records requests; one log line each would only slow them down.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Each operation validates its own input (one rule for HTTP, MCP and the CLI): the route
  // schemas document the API and do not validate a second time.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  // Answers are built from the store's own types; the response schemas document them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('principal', null);
  app.decorateRequest('cacheHit', null);

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
      request.principal = await api.authenticate(request.headers.authorization);
  });
  if (config.api.rateLimitPerMinute > 0)
    await app.register(rateLimit, {
      max: config.api.rateLimitPerMinute,
      timeWindow: 60_000,
      hook: 'preValidation',
      keyGenerator: (request) => (request.principal ? callerKey(request.principal) : undefined) ?? request.ip,
      allowList: (request) => !request.routeOptions.config.operation,
    });
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.routeOptions.config.operation;
    const caller = request.principal;
    const keyId = caller && callerKey(caller);
    if (!operation || !caller || !keyId) return;
    api.accessLog?.record({
      at: new Date(),
      keyId,
      tenantId: isOperator(caller) ? null : caller.tenantId,
      operation,
      status: reply.statusCode,
      latencyMs: reply.elapsedTime,
      cacheHit: request.cacheHit,
    });
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
  for (const extend of deps.extensions ?? []) extend(app, { caller: (request) => request.principal! });
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
