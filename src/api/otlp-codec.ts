/**
 * OTLP messages in and out (the OTLP/HTTP specification, "Binary Protobuf Encoding" and "JSON
 * Protobuf Encoding"): requests decoded from protobuf or from OTLP JSON, answers and error
 * statuses encoded in the request's encoding. The messages are the generated protobufjs root of
 * the official `opentelemetry-proto` definitions that `@opentelemetry/otlp-transformer` ships;
 * `google.rpc.Status` (the body of an error answer) is declared with protobufjs' reflection.
 */
import { Field, Type } from 'protobufjs';
import generatedRoot from '@opentelemetry/otlp-transformer/build/src/generated/root';
import type { OtlpLogsRequest, OtlpTraceRequest } from '../domain/otlp-records';
import { invalid } from './errors';

/** A generated message type (its declarations type the root as a plain `Root`). */
interface MessageType {
  decode(body: Uint8Array): unknown;
  fromObject(object: Record<string, unknown>): unknown;
  encode(message: object): { finish(): Uint8Array };
}
type Service = Record<string, MessageType>;
const { collector } = (
  generatedRoot as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: Service }; logs: { v1: Service } } } };
  }
).opentelemetry.proto;
const traces = collector.trace.v1 as Record<'ExportTraceServiceRequest' | 'ExportTraceServiceResponse', MessageType>;
const logs = collector.logs.v1 as Record<'ExportLogsServiceRequest' | 'ExportLogsServiceResponse', MessageType>;

/** How a request's body (and so its answer) is encoded. */
export type OtlpEncoding = 'protobuf' | 'json';
/** The OTLP signals BrainOps takes. */
export type OtlpSignal = 'traces' | 'logs';

/** `google.rpc.Status`: code (a gRPC code), message. */
const Status = new Type('Status').add(new Field('code', 1, 'int32')).add(new Field('message', 2, 'string'));

/** OTLP JSON fields that hold ids as hex (not base64 as protobuf's JSON mapping would). */
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * An OTLP JSON value ready for protobufjs' `fromObject`: keys in lowerCamelCase (snake_case
 * accepted too), trace and span ids from hex to bytes.
 */
function fromOtlpJson(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => fromOtlpJson(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = k.includes('_') ? k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : k;
      out[name] = fromOtlpJson(v, name);
    }
    return out;
  }
  if (typeof value === 'string' && key !== undefined && HEX_ID_FIELDS.has(key)) {
    if (value.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(value))
      throw invalid(
        [{ field: key, reason: `expected a hex id, got ${JSON.stringify(value.slice(0, 40))}` }],
        'OTLP request',
      );
    return Buffer.from(value, 'hex');
  }
  return value;
}

const MESSAGE_OF = { traces: 'ExportTraceServiceRequest', logs: 'ExportLogsServiceRequest' } as const;

/** The decoded request, or an `invalid` error naming the problem. */
function decode<T>(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  type: { decode(b: Uint8Array): unknown; fromObject(o: Record<string, unknown>): unknown },
): T {
  const name = MESSAGE_OF[signal];
  if (encoding === 'protobuf') {
    try {
      return type.decode(body) as T;
    } catch (error) {
      throw invalid(
        [{ field: '', reason: `the body is not a protobuf ${name}: ${(error as Error).message}` }],
        'OTLP request',
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw invalid([{ field: '', reason: `the body is not JSON: ${(error as Error).message}` }], 'OTLP request');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw invalid([{ field: '', reason: `expected an ${name} object` }], 'OTLP request');
  try {
    return type.fromObject(fromOtlpJson(json) as Record<string, unknown>) as T;
  } catch (error) {
    if ((error as { kind?: string }).kind === 'invalid') throw error;
    throw invalid(
      [{ field: '', reason: `the body is not an OTLP JSON ${name}: ${(error as Error).message}` }],
      'OTLP request',
    );
  }
}

/**
 * An ExportTraceServiceRequest from its body.
 * @throws ApiError `invalid` naming the problem (bad protobuf, bad JSON, a bad hex id).
 */
export const decodeTraces = (encoding: OtlpEncoding, body: Uint8Array) =>
  decode<OtlpTraceRequest>('traces', encoding, body, traces.ExportTraceServiceRequest);

/**
 * An ExportLogsServiceRequest from its body.
 * @throws ApiError `invalid` naming the problem.
 */
export const decodeLogs = (encoding: OtlpEncoding, body: Uint8Array) =>
  decode<OtlpLogsRequest>('logs', encoding, body, logs.ExportLogsServiceRequest);

/**
 * The Export*ServiceResponse of a request: empty when every record was taken, else a partial
 * success with the refused count and why (int64 as a decimal string in JSON, as protobuf's JSON
 * mapping writes it).
 */
export function encodeResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  rejected: number,
  errorMessage: string,
): Uint8Array | string {
  const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  const partial = rejected > 0 || errorMessage ? { [field]: rejected, errorMessage } : undefined;
  if (encoding === 'json')
    return JSON.stringify(partial ? { partialSuccess: { ...partial, [field]: String(rejected) } } : {});
  const message = partial ? { partialSuccess: partial } : {};
  return signal === 'traces'
    ? traces.ExportTraceServiceResponse.encode(message).finish()
    : logs.ExportLogsServiceResponse.encode(message).finish();
}

/** gRPC codes for the HTTP statuses of an error answer (google.rpc.Code). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 8, 415: 3, 429: 8, 503: 14 };

/** The body of an error answer: a `google.rpc.Status` in the request's encoding (JSON also names the error). */
export function encodeStatus(
  encoding: OtlpEncoding,
  status: number,
  error: string,
  message: string,
): Uint8Array | string {
  const code = GRPC_CODE[status] ?? 13;
  if (encoding === 'json') return JSON.stringify({ code, message, error });
  return Status.encode(Status.create({ code, message })).finish();
}
