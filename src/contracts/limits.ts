/**
 * One rule for text and JSON at every edge (CLI, client API, signals, updates, activities): what
 * is accepted can be stored by PostgreSQL and indexed, and travels in a Temporal payload.
 *
 * - Text PostgreSQL cannot store — the NUL character (U+0000) and lone UTF-16 surrogates — is
 *   refused, with the field named.
 * - JSON deeper than {@link LIMITS.jsonDepth} or larger than its field's byte limit is refused.
 *   The check walks the value with an explicit stack, never by recursion, so a value nested
 *   10,000 levels deep gives a validation issue, not a `RangeError`.
 *
 * Pure and deterministic: the workflows use it too.
 */
import { z } from 'zod';

/** The documented limits (README, "Limits"). Lengths of text are in UTF-16 code units, as `String.length`. */
export const LIMITS = Object.freeze({
  /** Content of a session message. */
  messageContentChars: 100_000,
  /** Content of a memory entry (full-text indexed: well under PostgreSQL's 1 MB tsvector limit). */
  memoryContentChars: 100_000,
  /** Title of a memory entry. */
  memoryTitleChars: 1000,
  /** Key of a memory entry. */
  memoryKeyChars: 512,
  /** JSON value of a memory entry, as UTF-8 JSON text. */
  memoryValueBytes: 512 * 1024,
  /** Metadata, critical facts, error context, solution parameters, task results: UTF-8 JSON text each. */
  metadataBytes: 64 * 1024,
  /** Nesting of any JSON value (objects and arrays). */
  jsonDepth: 64,
  /** Tags of one memory entry, and the tags of a search. */
  tags: 50,
  /** Characters of one tag. */
  tagChars: 100,
  /** A search query. */
  searchQueryChars: 1000,
  /** A caller's message id (the idempotency key of a message). */
  messageIdChars: 200,
});

/** A JSON value as it is stored (`jsonb`) and read back. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not store `text`, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
  if (LONE_SURROGATE.test(text))
    return 'contains a lone UTF-16 surrogate (not valid Unicode), which PostgreSQL cannot store';
  return undefined;
}

/** Adds the storable-text rule to a string schema (keeps its type, so `.optional()` etc. still apply). */
export function storable<T extends z.ZodString>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }) as T;
}

/** A string of `min`..`max` UTF-16 code units that PostgreSQL can store. */
export function text(max: number, min = 0): z.ZodString {
  return storable(z.string().min(min).max(max));
}

/** Bytes of `text` in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** UTF-8 bytes of `text` as a JSON string literal (quotes and escapes included). */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x20) bytes += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

function isPlainObject(value: object): boolean {
  // Realm-independent (the workflow sandbox has its own Object.prototype).
  return Object.prototype.toString.call(value) === '[object Object]';
}

/** A key as it may appear in an issue path: escaped when not storable, and short. */
function pathKey(key: string): string {
  const safe = textProblem(key) ? JSON.stringify(key).slice(1, -1) : key;
  return safe.length > 64 ? `${truncateText(safe, 64)}…` : safe;
}

export interface JsonIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that `value` is JSON PostgreSQL can store: plain objects, arrays, finite numbers,
 * booleans, null and storable strings (keys too), at most `maxDepth` levels deep and `maxBytes`
 * of UTF-8 JSON text. Iterative: any depth is safe. Returns the first problem, or undefined.
 */
export function jsonProblem(
  value: unknown,
  opts: { maxBytes: number; maxDepth?: number; objectRoot?: boolean },
): JsonIssue | undefined {
  const maxDepth = opts.maxDepth ?? LIMITS.jsonDepth;
  if (opts.objectRoot && (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)))
    return { path: [], message: 'expected a JSON object' };
  let bytes = 0;
  // Each frame: a value, its path and depth (containers count their own level).
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [{ value, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (v === null) bytes += 4;
    else if (typeof v === 'boolean') bytes += v ? 4 : 5;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, message: 'expected a finite number (JSON has no NaN or Infinity)' };
      bytes += String(v).length;
    } else if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path, message: problem };
      bytes += jsonStringBytes(v);
    } else if (typeof v === 'object') {
      if (depth + 1 > maxDepth) return { path: [], message: `JSON nested deeper than ${maxDepth} levels` };
      if (Array.isArray(v)) {
        bytes += 2 + Math.max(0, v.length - 1);
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i], depth: depth + 1 });
      } else if (isPlainObject(v)) {
        const keys = Object.keys(v);
        bytes += 2 + Math.max(0, keys.length - 1);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!;
          const problem = textProblem(key);
          if (problem) return { path: [...path, pathKey(key)], message: `key ${problem}` };
          bytes += jsonStringBytes(key) + 1;
          stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, pathKey(key)], depth: depth + 1 });
        }
      } else return { path, message: 'expected JSON (a plain object, array, string, number, boolean or null)' };
    } else return { path, message: `expected JSON, got ${typeof v}` };
    if (bytes > opts.maxBytes) return { path: [], message: `JSON larger than ${opts.maxBytes} bytes` };
  }
  return undefined;
}

function jsonSchema<T>(opts: { maxBytes: number; objectRoot?: boolean }): z.ZodType<T, T> {
  // Built on z.any() rather than z.custom(), so that JSON Schema (OpenAPI, MCP tool inputs) can
  // describe it: any JSON value (or object); the limits are checked here, not by the JSON Schema.
  const schema = z
    .any()
    .superRefine((value, ctx) => {
      const issue = jsonProblem(value, opts);
      if (issue) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    })
    .meta({
      // `additionalProperties: {}`: any field, so generated clients type it as an open object.
      ...(opts.objectRoot ? { type: 'object', additionalProperties: {} } : {}),
      description: `JSON of at most ${opts.maxBytes} bytes and ${LIMITS.jsonDepth} levels`,
    });
  return schema as unknown as z.ZodType<T, T>;
}

/**
 * A point in time: a Date, or what JSON can carry of one (an ISO-8601 string, epoch ms). Described
 * to JSON Schema (OpenAPI, MCP tool inputs) as an ISO-8601 string, which zod cannot do for a date.
 */
export function time() {
  const schema = z.coerce.date({ error: 'expected an ISO-8601 date-time such as 2026-12-03T10:00:00Z, or epoch ms' });
  schema._zod.toJSONSchema = () => ({ type: 'string', format: 'date-time' });
  return schema;
}

/** Any JSON value of at most `maxBytes` (and {@link LIMITS.jsonDepth} levels). */
export function jsonValue(maxBytes: number = LIMITS.metadataBytes) {
  return jsonSchema<JsonValue>({ maxBytes });
}

/** A JSON object of at most `maxBytes` (metadata, critical facts, parameters). */
export function jsonObject(maxBytes: number = LIMITS.metadataBytes) {
  return jsonSchema<Record<string, JsonValue>>({ maxBytes, objectRoot: true });
}

/**
 * A bounded, storable text rendering of any value — for a dead-letter row or a log line: JSON
 * where possible, built iteratively (so depth cannot overflow the stack), with NUL and lone
 * surrogates escaped, and cut to at most `maxChars` characters (never inside a surrogate pair).
 */
export function boundedPreview(value: unknown, maxChars = 8192): string {
  let out = '';
  const tooLong = () => out.length >= maxChars;
  const str = (s: string) => {
    // JSON.stringify of a string is flat (no recursion) and escapes NUL and lone surrogates.
    out += JSON.stringify(s.length > maxChars ? s.slice(0, maxChars) : s);
  };
  type Frame = { kind: 'value'; value: unknown; depth: number } | { kind: 'raw'; text: string };
  const stack: Frame[] = [{ kind: 'value', value, depth: 0 }];
  while (stack.length > 0 && !tooLong()) {
    const frame = stack.pop()!;
    if (frame.kind === 'raw') {
      out += frame.text;
      continue;
    }
    const v = frame.value;
    if (v === null || v === undefined) out += 'null';
    else if (typeof v === 'string') str(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out += String(v);
    else if (typeof v === 'bigint') out += `${v}`;
    else if (typeof v !== 'object') out += JSON.stringify(String(v));
    else if (frame.depth >= 200) out += '"…"';
    else if (Array.isArray(v)) {
      const frames: Frame[] = [{ kind: 'raw', text: '[' }];
      v.forEach((item, i) => {
        if (i > 0) frames.push({ kind: 'raw', text: ',' });
        frames.push({ kind: 'value', value: item, depth: frame.depth + 1 });
      });
      frames.push({ kind: 'raw', text: ']' });
      for (let i = frames.length - 1; i >= 0; i--) stack.push(frames[i]!);
    } else {
      const frames: Frame[] = [{ kind: 'raw', text: '{' }];
      Object.keys(v).forEach((key, i) => {
        frames.push({ kind: 'raw', text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
        frames.push({ kind: 'value', value: (v as Record<string, unknown>)[key], depth: frame.depth + 1 });
      });
      frames.push({ kind: 'raw', text: '}' });
      for (let i = frames.length - 1; i >= 0; i--) stack.push(frames[i]!);
    }
  }
  if (out.length <= maxChars && stack.length === 0) return out;
  let cut = out.slice(0, Math.max(0, maxChars - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * `text` made storable for a log or dead-letter line: NUL and lone surrogates written as `\uXXXX`,
 * cut to at most `max` characters.
 */
export function storableExcerpt(text: string, max = 2000): string {
  const escaped = text.replace(
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return truncateText(escaped, max);
}

/** Cuts `text` to at most `max` UTF-16 code units without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
