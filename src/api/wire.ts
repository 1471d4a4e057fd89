/**
 * The one mapping between the wire and the code: JSON on the wire (HTTP bodies and answers, MCP
 * tool arguments and results) is snake_case, as the HTTP API's contract and the Python services
 * that call it have it; TypeScript is camelCase. A request's fields are renamed once on the way in
 * and an answer's on the way out, and what a caller stored as its own JSON (an entry's value and
 * metadata, a handoff's critical info, …) is passed through untouched. A camelCase field in a
 * request is refused with the name to use, so there is one name per field on the wire.
 */
import { z } from 'zod';
import { ApiError, invalid, type ErrorBody } from './errors';

/** Fields whose value is the caller's own JSON: never renamed, in a request or an answer. */
export const OPAQUE_FIELDS: ReadonlySet<string> = new Set([
  'value',
  'metadata',
  'criticalInfo',
  'criticalFacts',
  'initialContext',
  'workingMemory',
  'params',
  'result',
  'input',
  'output',
  'verification',
  'rowCounts',
  'details',
]);

/** `sessionId` → `session_id`, `p95Ms` → `p95_ms` (names without capitals are kept). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `session_id` → `sessionId`, `p95_ms` → `p95Ms`. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** An answer as it goes on the wire: every field snake_case, the caller's own JSON untouched. */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value))
    out[snakeCase(key)] = OPAQUE_FIELDS.has(key) ? field : toWire(field);
  return out;
}

/** A field of a request the wire does not name that way: its camelCase spelling, and the one to use. */
export interface WireIssue {
  field: string;
  reason: string;
}

/**
 * A request's fields renamed to the code's (`session_id` → `sessionId`); their values, the
 * caller's, are kept as sent. A field spelled in camelCase is an issue naming the wire's spelling.
 */
export function fromWire(body: unknown): { input: unknown; issues: WireIssue[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { input: body, issues: [] };
  const input: Record<string, unknown> = {};
  const issues: WireIssue[] = [];
  for (const [key, field] of Object.entries(body)) {
    if (/[A-Z]/.test(key))
      issues.push({ field: key, reason: `not a field of this request; the field is ${snakeCase(key)}` });
    else input[camelCase(key)] = field;
  }
  return { input, issues };
}

/**
 * `schema` with its object fields renamed to the wire's (deeply, but not inside the caller's own
 * JSON), for documents that describe the wire: the OpenAPI document, MCP tool schemas.
 */
export function wireSchema(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>))
      shape[snakeCase(key)] = OPAQUE_FIELDS.has(key) ? field : wireSchema(field);
    const catchall = schema.def.catchall;
    const renamed = z.object(shape);
    if (catchall instanceof z.ZodNever) return z.strictObject(shape);
    return catchall ? renamed.catchall(catchall) : renamed;
  }
  if (schema instanceof z.ZodArray) return z.array(wireSchema(schema.element as z.ZodType));
  if (schema instanceof z.ZodOptional) return wireSchema(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodNullable) return wireSchema(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodDefault)
    return wireSchema(schema.removeDefault() as z.ZodType).default(schema.def.defaultValue as never);
  if (schema instanceof z.ZodUnion)
    return z.union((schema.options as z.ZodType[]).map(wireSchema) as [z.ZodType, z.ZodType]);
  return schema;
}

/** A field path as the wire names it: its top-level field snake_case (deeper parts are the caller's JSON, or indexes). */
function wireField(path: string): string {
  const [first = '', ...rest] = path.split('.');
  return [snakeCase(first), ...rest].join('.');
}

/** The JSON body of an API error as it goes on the wire: the fields it names as the wire names them. */
export function wireErrorBody(error: ApiError): ErrorBody {
  if (!error.issues || error.wireNames) return error.body();
  const issues = error.issues.map((i) => ({ field: wireField(i.field), reason: i.reason }));
  return invalid(issues, error.subject).body();
}

/** The refusal of a request whose fields the wire does not name that way (see {@link fromWire}). */
export function wireIssuesError(issues: WireIssue[]): ApiError {
  const { message } = invalid(issues);
  return new ApiError('invalid', 'ValidationError', message, issues, 'request', true);
}
