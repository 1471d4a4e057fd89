/**
 * OTLP/HTTP on the API server (the OpenTelemetry specification's "OTLP/HTTP"): `POST /v1/traces`
 * and `POST /v1/logs`, bodies in `application/x-protobuf` or `application/json`, optionally
 * `Content-Encoding: gzip`, the API key as `Authorization: Bearer <key>` (what
 * `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<key>` sends). A success answers the
 * Export*ServiceResponse in the request's encoding; an error a `google.rpc.Status` (JSON also names
 * the error): 400 undecodable, 401/403 the key, 413 over `BRAINOPS_OTLP_MAX_BODY_BYTES` (as sent
 * or unzipped), 415 another content type or encoding, 429/503 with `Retry-After`. The routes live
 * in a scope of their own: their body parsers and error answers are not the JSON API's.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, invalid, toApiError, type BrainOpsApi, type OtlpEncoding } from '../api';
import { encodeStatus } from '../api/otlp-codec';
import { errorAnswer } from './answers';

const unzip = promisify(gunzip);

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** The encoding a request's content type names (errors before parsing answer JSON for anything else). */
function encodingOf(request: FastifyRequest): OtlpEncoding {
  return (request.headers['content-type'] ?? '').toLowerCase().includes('protobuf') ? 'protobuf' : 'json';
}

/** A body with its `Content-Encoding` undone: at most `limit` bytes unzipped. */
async function decodeContent(request: FastifyRequest, body: Buffer, limit: number): Promise<Buffer> {
  const coding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  if (coding !== 'gzip')
    throw new ApiError(
      'invalid',
      'UnsupportedMediaType',
      `Content-Encoding ${coding} is not supported: send gzip or none`,
    );
  try {
    return await unzip(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ApiError('too_large', 'PayloadTooLarge', `the unzipped body is larger than ${limit} bytes`);
    throw invalid([{ field: '', reason: `the body is not valid gzip: ${(error as Error).message}` }], 'OTLP request');
  }
}

/** The status and message of an error on these routes. */
function answerOf(error: FastifyError | ApiError, api: BrainOpsApi) {
  if (error instanceof ApiError && error.code === 'UnsupportedMediaType')
    return { status: 415, error: error.code, message: error.message };
  const known = toApiError(error);
  if (known) {
    const { status, retryAfter } = errorAnswer(known);
    return { status, error: known.code, message: known.message, retryAfter };
  }
  const fastify = error as FastifyError;
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, error: 'PayloadTooLarge', message: fastify.message };
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return {
      status: 415,
      error: 'UnsupportedMediaType',
      message: `send ${PROTOBUF} or ${JSON_TYPE} (got ${fastify.message.replace(/^Unsupported Media Type:?\s*/i, '') || 'none'})`,
    };
  if (fastify.statusCode && fastify.statusCode >= 400 && fastify.statusCode < 500)
    return { status: fastify.statusCode, error: 'BadRequest', message: fastify.message };
  api.logger.error({ err: error }, 'OTLP request failed');
  return { status: 500, error: 'InternalError', message: 'the request failed; see the server log' };
}

/** Registers `POST /v1/traces` and `POST /v1/logs`. `maxBodyBytes`: the body limit, as sent and unzipped. */
export function registerOtlpRoutes(app: FastifyInstance, api: BrainOpsApi, maxBodyBytes: number): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      [PROTOBUF, JSON_TYPE],
      { parseAs: 'buffer', bodyLimit: maxBodyBytes },
      async (request: FastifyRequest, body: Buffer) => decodeContent(request, body, maxBodyBytes),
    );
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const answer = answerOf(error, api);
      const encoding = encodingOf(request);
      if (answer.retryAfter !== undefined) void reply.header('retry-after', String(answer.retryAfter));
      return reply
        .code(answer.status)
        .type(encoding === 'protobuf' ? PROTOBUF : JSON_TYPE)
        .send(encodeStatus(encoding, answer.status, answer.error, answer.message));
    });
    for (const signal of ['traces', 'logs'] as const) {
      const operation = api.capture[signal];
      scope.post(
        `/v1/${signal}`,
        {
          bodyLimit: maxBodyBytes,
          config: { operation: operation.name },
          schema: {
            summary: operation.summary,
            description:
              'OTLP/HTTP (protobuf or JSON, gzip allowed). Answers the Export*ServiceResponse in the request’s encoding, with `partial_success` when some records were refused; errors as a google.rpc.Status.',
            tags: ['capture (OpenTelemetry)'],
            security: [{ apiKey: [] }],
          },
        },
        async (request: FastifyRequest, reply: FastifyReply) => {
          const encoding = encodingOf(request);
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const result = await operation.call(request.principal!, { encoding, body });
          return reply
            .code(200)
            .type(encoding === 'protobuf' ? PROTOBUF : JSON_TYPE)
            .send(result.response);
        },
      );
    }
  });
}
