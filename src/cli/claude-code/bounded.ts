/**
 * What the hook sends is redacted, storable and bounded: every credential the one redaction rule
 * knows (src/domain/redact.ts) and every secret value of the hook's environment (the values of
 * `*_KEY`, `*_TOKEN`, `*_PASSWORD`… variables, URL passwords) replaced by `[redacted]`; NUL and
 * lone surrogates, which PostgreSQL cannot store, replaced by U+FFFD; and a value larger than its
 * bound replaced by a preview of its JSON. Redaction comes first, so a cut never leaves part of a
 * secret behind.
 */
import { redactText, redactValue } from '../../domain/redact';

/** Bytes of JSON a tool call's input and its response summary may hold in work history. */
export const TOOL_JSON_BYTES = 4 * 1024;

/** Characters a message (a prompt, a reply) may hold: the API's limit (src/contracts/limits.ts). */
export const MESSAGE_CHARS = 100_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as PostgreSQL stores it: NUL and lone surrogates become U+FFFD. */
export function storable(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(/\0/g, '\uFFFD');
}

/** Every string of `value` storable (keys too). */
function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableValue(v)]));
  return value;
}

/** `text` cut to `max` characters, marked when cut, never ending in half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ` … [cut: ${text.length} characters]`;
  return `${text.slice(0, Math.max(0, max - marker.length)).replace(/[\uD800-\uDBFF]$/, '')}${marker}`;
}

/** A message's text: redacted, storable, at most {@link MESSAGE_CHARS}. */
export function messageText(text: string, secrets: readonly string[]): string {
  return cut(storable(redactText(text, secrets)), MESSAGE_CHARS);
}

/**
 * `value` redacted and storable, as is when its JSON holds at most `maxBytes` bytes; otherwise
 * `{truncated: true, bytes, preview}`, the preview being the start of its JSON text.
 */
export function boundedJson(value: unknown, secrets: readonly string[], maxBytes = TOOL_JSON_BYTES): unknown {
  if (value === undefined) return undefined;
  const clean = storableValue(redactValue(value, secrets));
  const json = JSON.stringify(clean) ?? 'null';
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return clean;
  // The preview is escaped again inside the object: shrink it until the whole fits.
  for (let chars = maxBytes - 80; ; chars = Math.floor(chars * 0.75)) {
    const summary = { truncated: true, bytes, preview: cut(json, chars) };
    if (Buffer.byteLength(JSON.stringify(summary)) <= maxBytes || chars < 64) return summary;
  }
}
