/**
 * What BrainOps keeps of an OpenTelemetry export (OTLP, docs/capture.md), as pure rules over the
 * decoded messages of `opentelemetry-proto` (ExportTraceServiceRequest, ExportLogsServiceRequest;
 * 64-bit integers as protobufjs `Long`s, numbers or decimal strings; ids as bytes): each span or
 * log record is checked on its own (a time before 2000 or more than an hour ahead refuses that
 * record only), texts are cleaned (NUL removed, lone surrogates replaced by U+FFFD) and cut, and
 * what is kept is reduced to requests of server spans and error occurrences. Attribute names follow
 * the OpenTelemetry semantic conventions (current and pre-1.20 HTTP names).
 */

/** Earliest time a record may carry: 2000-01-01T00:00:00Z, ms. */
export const EARLIEST_RECORD_MS = Date.UTC(2000, 0, 1);
/** How far ahead of the server's clock a record's time may be, ms. */
export const FUTURE_SLACK_MS = 3_600_000;

/** OTLP `Span.SpanKind.SPAN_KIND_SERVER`. */
const SPAN_KIND_SERVER = 2;
/** OTLP `Status.StatusCode.STATUS_CODE_ERROR`. */
const STATUS_CODE_ERROR = 2;
/** OTLP `SeverityNumber.SEVERITY_NUMBER_ERROR`: this and above are errors. */
export const SEVERITY_ERROR = 17;

/** Longest route, service or method kept, chars. */
const NAME_CHARS = 200;

/** A 64-bit integer as protobufjs gives it (a `Long`, a number, or a decimal string from JSON). */
type Int64 = number | string | { toNumber(): number } | null | undefined;
/** An `AnyValue`. */
interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}
interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}
interface Resource {
  attributes?: KeyValue[] | null;
}
/** A decoded `Span` (the fields used). */
export interface OtlpSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  name?: string | null;
  kind?: number | string | null;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[] | null;
  events?: { name?: string | null; timeUnixNano?: Int64; attributes?: KeyValue[] | null }[] | null;
  status?: { code?: number | string | null; message?: string | null } | null;
}
/** A decoded `ExportTraceServiceRequest`. */
export interface OtlpTraceRequest {
  resourceSpans?: { resource?: Resource | null; scopeSpans?: { spans?: OtlpSpan[] | null }[] | null }[] | null;
}
/** A decoded `LogRecord`. */
export interface OtlpLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number | string | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
}
/** A decoded `ExportLogsServiceRequest`. */
export interface OtlpLogsRequest {
  resourceLogs?: { resource?: Resource | null; scopeLogs?: { logRecords?: OtlpLogRecord[] | null }[] | null }[] | null;
}

/** One request a service answered: a server span. */
export interface CapturedRequest {
  service: string;
  route: string;
  method: string;
  /** Start, ms since the epoch. */
  startMs: number;
  durationMs: number;
  /** Status ≥ 500 or span status ERROR. */
  failed: boolean;
}

/** One occurrence of an error: an exception event, a span with status ERROR, an error log record. */
export interface CapturedError {
  service: string;
  errorType: string;
  message: string;
  stack?: string;
  /** When it happened, ms since the epoch. */
  atMs: number;
  traceId?: string;
  /** Where it came from: the span's name and route, or the log record's severity. */
  context: Record<string, string | number>;
}

/** What a request's records became. */
export interface CapturedExport {
  requests: CapturedRequest[];
  errors: CapturedError[];
  /** Records (spans or log records) in the request. */
  received: number;
  /** Records refused (bad time, beyond the per-request limit); the rest were kept. */
  rejected: number;
  /** Why records were refused, one phrase per reason, with counts: the partial success's message. */
  reasons: string[];
}

const NEEDS_CLEANING = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` without NUL characters, with lone surrogates replaced by U+FFFD, cut to `max` chars. */
export function cleanText(text: string, max: number): string {
  let out = text.length > max ? text.slice(0, max) : text;
  if (NEEDS_CLEANING.test(out)) out = out.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
  return out;
}

/** A 64-bit integer as a number (precision beyond 2^53 is not needed for ms). */
function int64(value: Int64): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

/** Nanoseconds since the epoch to ms. */
const nanosToMs = (value: Int64) => int64(value) / 1e6;

/** An attribute value as a string (numbers and booleans written out), or undefined. */
function attrText(value: AnyValue | null | undefined): string | undefined {
  if (!value) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (value.intValue !== null && value.intValue !== undefined) return String(int64(value.intValue));
  if (typeof value.doubleValue === 'number') return String(value.doubleValue);
  if (typeof value.boolValue === 'boolean') return String(value.boolValue);
  return undefined;
}

/** The values of the named attributes (first match of each name), in one pass. */
function pick(attributes: KeyValue[] | null | undefined, names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (!attributes) return found;
  for (const kv of attributes) {
    const key = kv.key;
    if (key && names.includes(key) && !found.has(key)) {
      const text = attrText(kv.value);
      if (text !== undefined) found.set(key, text);
    }
  }
  return found;
}

/** A resource's `service.name`; `unknown_service` (the SDKs' default) without one. */
export function serviceOf(resource: Resource | null | undefined): string {
  const name = pick(resource?.attributes, ['service.name']).get('service.name');
  return cleanText(name?.trim() || 'unknown_service', NAME_CHARS);
}

const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,})$/i;

/**
 * A URL path as a route: query and fragment dropped, segments that look like ids (numbers, UUIDs,
 * long hex, long tokens with digits) written `:id`, so `/users/42/orders?x=1` is `/users/:id/orders`.
 */
export function normaliseRoute(path: string): string {
  let p = path;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme) p = p.slice(scheme[0].length) || '/';
  p = p.split(/[?#]/, 1)[0] || '/';
  return p
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
}

const SPAN_NAMES = [
  'http.route',
  'http.request.method',
  'http.method',
  'http.response.status_code',
  'http.status_code',
  'url.path',
  'http.target',
  'url.full',
  'http.url',
] as const;
const EXCEPTION_NAMES = ['exception.type', 'exception.message', 'exception.stacktrace'] as const;

/** Why a record's time is refused, or undefined when it is fine. */
function timeProblem(ms: number, nowMs: number): string | undefined {
  if (!Number.isFinite(ms) || ms < EARLIEST_RECORD_MS) return 'time before 2000-01-01';
  if (ms > nowMs + FUTURE_SLACK_MS) return 'time more than 1 h in the future';
  return undefined;
}

const hex = (id: Uint8Array | null | undefined) => (id && id.length ? Buffer.from(id).toString('hex') : undefined);

/** Counts of refusal reasons, as the partial success's phrases. */
class Refusals {
  readonly counts = new Map<string, number>();
  total = 0;
  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
    this.total += n;
  }
  phrases(kind: string): string[] {
    return [...this.counts].map(([reason, n]) => `${n} ${kind}${n === 1 ? '' : 's'} refused: ${reason}`);
  }
}

/** A span's exception events and its ERROR status as error occurrences. */
function spanErrors(span: OtlpSpan, service: string, startMs: number, route: string | undefined): CapturedError[] {
  const errors: CapturedError[] = [];
  const name = cleanText(span.name ?? '', NAME_CHARS);
  const traceId = hex(span.traceId);
  const context = { span: name, ...(route ? { route } : {}) };
  for (const event of span.events ?? []) {
    if (event.name !== 'exception') continue;
    const a = pick(event.attributes, EXCEPTION_NAMES);
    const eventMs = nanosToMs(event.timeUnixNano);
    errors.push({
      service,
      errorType: cleanText(a.get('exception.type') || 'Error', 200),
      message: cleanText(a.get('exception.message') || span.status?.message || `${name} failed`, 10_000),
      ...(a.has('exception.stacktrace') ? { stack: cleanText(a.get('exception.stacktrace')!, 50_000) } : {}),
      atMs: eventMs >= EARLIEST_RECORD_MS ? eventMs : startMs,
      traceId,
      context,
    });
  }
  if (errors.length === 0 && isError(span.status?.code, 'STATUS_CODE_ERROR', STATUS_CODE_ERROR))
    errors.push({
      service,
      errorType: 'SpanError',
      message: cleanText(span.status?.message || `${name} failed`, 10_000),
      atMs: startMs,
      traceId,
      context,
    });
  return errors;
}

/** Whether an enum value (number, or its name from JSON) is `code`. */
function isError(value: number | string | null | undefined, name: string, code: number): boolean {
  return value === code || value === name;
}

/**
 * The requests and errors of an ExportTraceServiceRequest: server spans become requests (route
 * from `http.route`, else the normalised path, else the span's name), exception events and spans
 * with status ERROR become errors. At most `maxRecords` spans are looked at; the rest are refused.
 */
export function captureTraces(request: OtlpTraceRequest, nowMs: number, maxRecords: number): CapturedExport {
  const requests: CapturedRequest[] = [];
  const errors: CapturedError[] = [];
  const refused = new Refusals();
  let received = 0;
  for (const rs of request.resourceSpans ?? []) {
    const service = serviceOf(rs.resource);
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        received++;
        if (received > maxRecords) {
          refused.add(`more than ${maxRecords} in one request`);
          continue;
        }
        const startMs = nanosToMs(span.startTimeUnixNano);
        const endMs = nanosToMs(span.endTimeUnixNano);
        const problem = timeProblem(startMs, nowMs) ?? (endMs < startMs ? 'end before start' : undefined);
        if (problem) {
          refused.add(problem);
          continue;
        }
        const server = span.kind === SPAN_KIND_SERVER || span.kind === 'SPAN_KIND_SERVER';
        const a = server || span.events?.length ? pick(span.attributes, SPAN_NAMES) : undefined;
        let route: string | undefined;
        if (server && a) {
          const path = a.get('url.path') ?? a.get('http.target') ?? a.get('url.full') ?? a.get('http.url');
          route = cleanText(
            a.get('http.route') || (path ? normaliseRoute(path) : cleanText(span.name || '/', NAME_CHARS)),
            NAME_CHARS,
          );
          const status = Number(a.get('http.response.status_code') ?? a.get('http.status_code') ?? 0);
          requests.push({
            service,
            route,
            method: cleanText((a.get('http.request.method') ?? a.get('http.method') ?? '').toUpperCase(), 20),
            startMs,
            durationMs: Math.max(0, endMs - startMs),
            failed: status >= 500 || isError(span.status?.code, 'STATUS_CODE_ERROR', STATUS_CODE_ERROR),
          });
        }
        if (span.events?.length || span.status?.code) errors.push(...spanErrors(span, service, startMs, route));
      }
  }
  return { requests, errors, received, rejected: refused.total, reasons: refused.phrases('span') };
}

/** The severity number of a record (a number, or its enum name from JSON). */
function severityOf(value: number | string | null | undefined): number {
  if (typeof value === 'number') return value;
  const match = /^SEVERITY_NUMBER_(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)(\d?)$/.exec(value ?? '');
  if (!match) return 0;
  const base = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 }[match[1] as 'TRACE'];
  return base + (match[2] ? Number(match[2]) - 1 : 0);
}

/**
 * The errors of an ExportLogsServiceRequest: records of severity ERROR (17) or above, typed by
 * `exception.type` (else the severity text), with `exception.message` or the body as message. A
 * record's time is `timeUnixNano`, else `observedTimeUnixNano`. At most `maxRecords` records are
 * looked at; the rest are refused.
 */
export function captureLogs(request: OtlpLogsRequest, nowMs: number, maxRecords: number): CapturedExport {
  const errors: CapturedError[] = [];
  const refused = new Refusals();
  let received = 0;
  for (const rl of request.resourceLogs ?? []) {
    const service = serviceOf(rl.resource);
    for (const sl of rl.scopeLogs ?? [])
      for (const record of sl.logRecords ?? []) {
        received++;
        if (received > maxRecords) {
          refused.add(`more than ${maxRecords} in one request`);
          continue;
        }
        const atMs = nanosToMs(record.timeUnixNano) || nanosToMs(record.observedTimeUnixNano);
        const problem = timeProblem(atMs, nowMs);
        if (problem) {
          refused.add(problem);
          continue;
        }
        const severity = severityOf(record.severityNumber);
        if (severity < SEVERITY_ERROR) continue;
        const a = pick(record.attributes, EXCEPTION_NAMES);
        const body = attrText(record.body);
        const severityText = cleanText(record.severityText || (severity >= 21 ? 'FATAL' : 'ERROR'), 50);
        errors.push({
          service,
          errorType: cleanText(a.get('exception.type') || severityText, 200),
          message: cleanText(a.get('exception.message') || body || `${severityText} log record`, 10_000),
          ...(a.has('exception.stacktrace') ? { stack: cleanText(a.get('exception.stacktrace')!, 50_000) } : {}),
          atMs,
          traceId: hex(record.traceId),
          context: { severity: severityText },
        });
      }
  }
  return { requests: [], errors, received, rejected: refused.total, reasons: refused.phrases('log record') };
}
