/**
 * The HTTP API server (Fastify 5): routes with zod schemas (validation and the OpenAPI 3.1
 * document at `/openapi.json`, a docs page at `/docs`), API keys, a rate limit per key, a body
 * limit matching the input limits, CORS only for configured origins, JSON errors, the access
 * log, and the MCP server over streamable HTTP at `/mcp`.
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
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { ApiPrincipal } from '../contracts/api';
import { LIMITS } from '../contracts/limits';
import { ApiKeyStore, type MemoryStore } from '../memory';
import type { BrainOpsClient } from '../client/brainops-client';
import { registerMcpRoute } from '../mcp/http';
import { registerConsole } from '../console';
import { registerMetrics } from '../metrics/http';
import { AccessLog } from './access-log';
import { KeyVerifier } from './auth';
import { badRequest, describeError } from './errors';
import { MemoryApi } from './operations';
import { registerRoutes } from './routes';

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
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

export interface ApiServerDeps {
  config: BrainOpsConfig;
  /** Sessions, the brief and error reports (Temporal). */
  client: BrainOpsClient;
  /** Memory reads and writes, API keys and the access log (the process's pool and cache). */
  store: MemoryStore;
  logger: Logger;
}

/** A 400 body from the issues fastify's zod validator found. */
function validationBody(error: FastifyError) {
  const issues = (error.validation ?? []).map((v) => {
    const params = v.params as { keys?: string[] };
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'unrecognized_keys' && params.keys?.length) {
      const field = [path, params.keys[0]].filter(Boolean).join('.');
      const reason =
        params.keys[0] === 'tenantId' ? 'not accepted: the tenant is the API key’s' : 'not a field of this request';
      return { field, reason };
    }
    return { field: path, reason: v.message ?? 'invalid' };
  });
  return badRequest(issues, error.validationContext ?? 'request');
}

function errorAnswer(error: FastifyError, logger: Logger): { status: number; body: object } {
  if (hasZodFastifySchemaValidationErrors(error)) return { status: 400, body: validationBody(error) };
  const known = describeError(error);
  if (known) return known;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return {
      status: 413,
      body: { error: 'PayloadTooLarge', message: `request bodies are limited to ${REQUEST_BODY_BYTES} bytes` },
    };
  if (error.statusCode === 429) return { status: 429, body: { error: 'TooManyRequests', message: error.message } };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, body: badRequest([{ field: '', reason: error.message }]) };
  logger.error({ err: error }, 'API request failed');
  return { status: 500, body: { error: 'InternalError', message: 'the request failed; see the server log' } };
}

/** Builds the API server (not listening yet). */
export async function buildApiServer(deps: ApiServerDeps): Promise<{ app: FastifyInstance; accessLog: AccessLog }> {
  const { config, client, store, logger } = deps;
  const keys = new ApiKeyStore(store.pool);
  const verifier = new KeyVerifier(keys);
  const accessLog = new AccessLog(keys, logger);
  const api = new MemoryApi(client, store, accessLog);
  const app = Fastify({
    bodyLimit: REQUEST_BODY_BYTES,
    loggerInstance: logger.child({ component: 'api' }) as FastifyBaseLogger, // The access log records requests; one log line each would only slow them down.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
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
      request.principal = await verifier.authenticate(request.headers.authorization);
  });
  if (config.api.rateLimitPerMinute > 0)
    await app.register(rateLimit, {
      max: config.api.rateLimitPerMinute,
      timeWindow: 60_000,
      hook: 'preValidation',
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      allowList: (request) => !request.routeOptions.config.operation,
    });
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.routeOptions.config.operation;
    if (!operation || !request.principal) return;
    accessLog.record({
      at: new Date(),
      keyId: request.principal.keyId,
      tenantId: request.principal.tenantId,
      operation,
      status: reply.statusCode,
      latencyMs: reply.elapsedTime,
      cacheHit: request.cacheHit,
    });
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const { status, body } = errorAnswer(error, logger);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NotFound', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  registerMetrics(app, deps);
  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await Promise.all([store.pool.query('select 1'), client.temporal.workflowService.getSystemInfo({})]);
      return { status: 'ready' };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: (error as Error).message });
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerRoutes(app, api);
  registerMcpRoute(app, api);
  await registerConsole(app, deps);
  await app.ready();
  return { app, accessLog };
}

/** A listening API server. */
export interface ApiServer {
  url: string;
  port: number;
  accessLog: AccessLog;
  close(): Promise<void>;
}

/**
 * Builds the API server and listens on `config.api.host`:`port` (0: any free port).
 * @throws Error when the port is taken.
 */
export async function startApiServer(deps: ApiServerDeps, port = deps.config.api.port): Promise<ApiServer> {
  const { app, accessLog } = await buildApiServer(deps);
  await app.listen({ host: deps.config.api.host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${deps.config.api.host.includes(':') ? `[${deps.config.api.host}]` : deps.config.api.host}:${bound}`,
    port: bound,
    accessLog,
    close: async () => {
      await app.close();
      await accessLog.drain();
    },
  };
}
