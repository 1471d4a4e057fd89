/**
 * OpenTelemetry intake (OTLP/HTTP) against a running API server (real Temporal, real PostgreSQL):
 * a real service instrumented with the OpenTelemetry SDK, configured by environment variables
 * only, fills endpoint performance and error events, and a storm of one error starts
 * error-learning once with every occurrence counted; OTLP JSON and gzip; the partial success for
 * refused records; and each kind of bad input (400, 401, 403, 413, 415), the rest of a request kept.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import generatedRoot from '@opentelemetry/otlp-transformer/build/src/generated/root';
import { Field, Type } from 'protobufjs';
import { ApiKeyStore } from '../src/memory';
import { statusQuery } from '../src/contracts/error-learning-messages';
import { errorLearningWorkflowId } from '../src/domain/signature-hash';
import { aggregateRequests } from '../src/domain/endpoint-aggregation';
import { bucketOf, histogramQuantile, LATENCY_BOUNDARIES_MS, LATENCY_BUCKETS } from '../src/domain/latency-histogram';
import { normaliseRoute } from '../src/domain/otlp-records';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import { BrainOpsApi, toApiError, type TenantCaller } from '../src/api';
import type { MemoryStore } from '../src/memory';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { BIN } from './cli-helper';
import { eventually, logger, testConfig, testWorker, useTestStack } from './helpers';

type Message = {
  encode(m: object): { finish(): Uint8Array };
  decode(b: Uint8Array): any;
  toObject(m: unknown, o?: object): any;
};
const proto = (generatedRoot as any).opentelemetry.proto.collector as {
  trace: { v1: Record<string, Message> };
  logs: { v1: Record<string, Message> };
};
const TraceRequest = proto.trace.v1.ExportTraceServiceRequest!;
const TraceResponse = proto.trace.v1.ExportTraceServiceResponse!;
const LogsRequest = proto.logs.v1.ExportLogsServiceRequest!;

const MAX_BODY = 16 * 1024 * 1024;
const MAX_SPANS = 20_000;
const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });

/** A server span of `service` (protobufjs object form). */
function serverSpan(o: { route?: string; path?: string; status?: number; ms?: number; at?: number; error?: boolean }) {
  const start = o.at ?? Date.now() - 1000;
  return {
    traceId: Buffer.alloc(16, 7),
    spanId: Buffer.alloc(8, 3),
    name: `GET ${o.route ?? o.path}`,
    kind: 2,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(start + (o.ms ?? 10)),
    attributes: [
      str('http.request.method', 'GET'),
      ...(o.route ? [str('http.route', o.route)] : []),
      ...(o.path ? [str('url.path', o.path)] : []),
      int('http.response.status_code', o.status ?? 200),
    ],
    ...(o.error ? { status: { code: 2, message: 'boom' } } : {}),
  };
}
const traceRequest = (service: string, spans: object[]) => ({
  resourceSpans: [{ resource: { attributes: [str('service.name', service)] }, scopeSpans: [{ spans }] }],
});

describe('endpoint performance rules (pure)', () => {
  it('writes id-like path segments as :id and drops the query', () => {
    assert.equal(normaliseRoute('/users/42/orders?x=1#top'), '/users/:id/orders');
    assert.equal(normaliseRoute('/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), '/o/:id');
    assert.equal(normaliseRoute('https://shop.example/cart/abcdef0123456789abcd'), '/cart/:id');
    assert.equal(normaliseRoute('/health'), '/health');
  });

  it('sums requests per service, route, method and minute, and reads percentiles within a bucket’s width', () => {
    const t = Date.UTC(2026, 0, 1, 12, 0, 30);
    const requests = Array.from({ length: 1000 }, (_, i) => ({
      service: 'svc',
      route: `/r${i % 3}`,
      method: 'GET',
      startMs: t + (i % 2) * 60_000,
      durationMs: i + 1,
      failed: i % 10 === 0,
    }));
    const groups = aggregateRequests(requests);
    assert.equal(groups.length, 6);
    assert.equal(
      groups.reduce((n, g) => n + g.requests, 0),
      1000,
    );
    assert.equal(
      groups.reduce((n, g) => n + g.errors, 0),
      100,
    );
    const all = new Array<number>(LATENCY_BUCKETS).fill(0);
    for (const r of requests) all[bucketOf(r.durationMs)]!++;
    for (const [q, exact] of [
      [0.5, 500],
      [0.95, 950],
      [0.99, 990],
    ] as const) {
      const estimate = histogramQuantile(all, q, 1000)!;
      assert.ok(Math.abs(estimate - exact) / exact < 0.125, `p${q * 100}: ${estimate} for ${exact}`);
    }
    assert.equal(histogramQuantile(new Array<number>(LATENCY_BUCKETS).fill(0), 0.5), null);
    assert.equal(bucketOf(1e9), LATENCY_BOUNDARIES_MS.length, 'beyond every boundary: the last bucket');
  });
});

describe('OTLP intake (running server, real Temporal and PostgreSQL)', () => {
  let server: ServedApi;
  let worker: Worker;
  let running: Promise<void>;
  const children: ChildProcess[] = [];
  // Registered before the stack's: the service, server and worker stop before the servers they use.
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await server?.close();
    worker?.shutdown();
    await running;
  });
  const stack = useTestStack();
  let cliEnv: NodeJS.ProcessEnv = {};
  /** Runs `brainops …` as a person does; its standard output. */
  const cli = async (...args: string[]) =>
    (await promisify(execFile)(process.execPath, [BIN, ...args], { env: cliEnv, timeout: 60_000 })).stdout;
  const key = { writer: '', reader: '' };

  before(async () => {
    const keys = new ApiKeyStore(stack.store.pool);
    key.writer = (await keys.create({ tenantId: 'acme', role: 'writer', name: 'otel' })).key;
    key.reader = (await keys.create({ tenantId: 'acme', role: 'reader' })).key;
    const base = testConfig(stack.db.url);
    const config = {
      ...base,
      api: { ...base.api, host: '127.0.0.1' },
      otlp: { ...base.otlp, maxBodyBytes: MAX_BODY, maxRecordsPerRequest: MAX_SPANS },
    };
    worker = await testWorker(stack.env, config, stack.store);
    running = worker.run();
    cliEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: stack.db.url,
    };
    server = await serveApi({ config, client: stack.client(config), store: stack.store, logger }, 0);
  });

  async function post(
    signal: 'traces' | 'logs',
    body: Uint8Array | string,
    opts: { type?: string; key?: string | null; gzip?: boolean } = {},
  ) {
    const type = opts.type ?? (typeof body === 'string' ? 'application/json' : 'application/x-protobuf');
    const response = await fetch(`${server.url}/v1/${signal}`, {
      method: 'POST',
      headers: {
        'content-type': type,
        ...(opts.key === null ? {} : { authorization: `Bearer ${opts.key ?? key.writer}` }),
        ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body: opts.gzip ? gzipSync(body) : body,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes, text: Buffer.from(bytes).toString('utf8') };
  }
  const protobuf = (message: object, type = TraceRequest) => type.encode(message).finish();
  /** The routes `GET /ops/endpoints` lists for `service`. */
  async function endpoints(service: string, k = key.reader): Promise<any[]> {
    const response = await fetch(`${server.url}/ops/endpoints?service=${encodeURIComponent(service)}&since=1h`, {
      headers: { authorization: `Bearer ${k}` },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { routes: any[] }).routes;
  }

  it('GET /ops/endpoints refuses a service or route it cannot look up (NUL, too long) naming the field', async () => {
    for (const [query, field] of [
      ['service=a%00b', 'service'],
      [`route=/${'r'.repeat(200)}`, 'route'],
      [`service=${'s'.repeat(201)}`, 'service'],
    ] as const) {
      const response = await fetch(`${server.url}/ops/endpoints?${query}&since=1h`, {
        headers: { authorization: `Bearer ${key.reader}` },
      });
      const body = (await response.json()) as { field?: string };
      assert.equal(response.status, 400, `${query}: ${JSON.stringify(body)}`);
      assert.equal(body.field, field, query);
    }
  });

  it('fills endpoint performance and error events from a service instrumented with the OpenTelemetry SDK (environment only), and starts error-learning once for a storm of one error', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'otel-service.cjs')], {
      env: {
        PATH: process.env.PATH,
        OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${key.writer}`,
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the service exited ${code}: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 30; i++) assert.equal((await fetch(`${base}/items/${i + 1}`)).status, 200);
    const failures = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}/fail`)));
    assert.ok(failures.every((r) => r.status === 500));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `the service flushed and exited: ${stderr}`);

    const routes = await eventually(async () => {
      const rows = await endpoints('checkout');
      const items = rows.find((r) => r.route === '/items/:id');
      const fail = rows.find((r) => r.route === '/fail');
      return items?.requests === 30 && fail?.requests === 50 ? { items, fail } : undefined;
    });
    assert.equal(routes.items.method, 'GET');
    assert.equal(routes.items.errors, 0);
    assert.equal(routes.fail.errors, 50);
    assert.equal(routes.fail.error_rate, 1);
    for (const r of [routes.items, routes.fail]) {
      assert.ok(
        r.p50_ms > 0 && r.p50_ms <= r.p95_ms && r.p95_ms <= r.p99_ms && r.p99_ms <= r.max_ms,
        JSON.stringify(r),
      );
    }
    assert.ok(routes.items.p50_ms >= 4, `the items' 5 ms wait shows: ${JSON.stringify(routes.items)}`);

    // The exception: 50 error events of one signature, source the service; error-learning started once.
    const events = await eventually(async () => {
      const rows = await stack.store.errorEvents.list({ tenantId: 'acme', limit: 200 });
      const declined = rows.filter((e) => e.errorType === 'PaymentDeclined');
      return declined.length === 50 ? declined : undefined;
    });
    assert.equal(new Set(events.map((e) => e.signature)).size, 1);
    assert.ok(events.every((e) => e.source === 'checkout' && e.tenantId === 'acme'));
    assert.match(events[0]!.message, /card declined for order \d+/);
    assert.ok(events[0]!.stack?.includes('PaymentDeclined'), 'the stack trace is kept');
    const workflowId = errorLearningWorkflowId(events[0]!.signature);
    const temporal = stack.env.client;
    const status = await eventually(async () => {
      const s = await temporal.workflow.getHandle(workflowId).query(statusQuery);
      return s.occurrences === 50 ? s : undefined;
    });
    assert.equal(status.occurrences, 50);
    const runs = await eventually(async () => {
      const list: string[] = [];
      for await (const w of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) list.push(w.runId);
      return list.length ? list : undefined;
    });
    assert.equal(runs.length, 1, 'error-learning started once for the storm');
    // The ERROR log records: error events of their own signature.
    await eventually(async () => {
      const rows = await stack.store.errorEvents.list({ tenantId: 'acme', limit: 300 });
      return rows.filter((e) => e.errorType === 'CheckoutLogError' && e.source === 'checkout').length === 50
        ? true
        : undefined;
    });
  });

  it('takes OTLP JSON (hex ids, enums by name, snake_case too) and gzip, and answers in the request’s encoding', async () => {
    const at = Date.now() - 2000;
    const json = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'json-svc')] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'GET /orders/{id}',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: nanos(at),
                  endTimeUnixNano: nanos(at + 40),
                  attributes: [
                    str('http.request.method', 'GET'),
                    str('url.path', '/orders/123?x=1'),
                    int('http.response.status_code', 503),
                  ],
                },
              ],
            },
          ],
        },
        {
          resource: { attributes: [str('service.name', 'json-svc')] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: '5b8efff798038103d269b633813fc60d',
                  span_id: 'eee19b7ec3c1b175',
                  name: 'GET',
                  kind: 2,
                  start_time_unix_nano: nanos(at),
                  end_time_unix_nano: nanos(at + 20),
                  attributes: [str('http.method', 'GET'), str('http.target', '/orders/456')],
                },
              ],
            },
          ],
        },
      ],
    };
    const answer = await post('traces', JSON.stringify(json));
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(JSON.parse(answer.text), {}, 'everything taken: no partial success');
    const zipped = await post('traces', JSON.stringify(json), { gzip: true });
    assert.equal(zipped.status, 200, zipped.text);
    const binary = await post('traces', protobuf(traceRequest('json-svc', [serverSpan({ path: '/orders/789', at })])), {
      gzip: true,
    });
    assert.equal(binary.status, 200, binary.text);
    assert.match(binary.headers.get('content-type') ?? '', /application\/x-protobuf/);
    assert.deepEqual(TraceResponse.toObject(TraceResponse.decode(binary.bytes)), {});
    const [orders] = await endpoints('json-svc');
    assert.equal(orders.route, '/orders/:id');
    assert.equal(orders.requests, 5);
    assert.equal(orders.errors, 2, 'the two 503s');
  });

  it('answers a partial success for spans beyond the per-request limit and for bad times, keeping the rest', async () => {
    const now = Date.now();
    const spans = [
      serverSpan({ route: '/timely', at: now - 5000 }),
      serverSpan({ route: '/timely', at: now + 2 * 3_600_000 }),
      serverSpan({ route: '/timely', at: Date.UTC(1999, 11, 31) }),
      serverSpan({ route: '/timely', at: now - 4000 }),
    ];
    const answer = await post('traces', protobuf(traceRequest('times', spans)));
    assert.equal(answer.status, 200, answer.text);
    const partial = TraceResponse.toObject(TraceResponse.decode(answer.bytes), { longs: Number }).partialSuccess;
    assert.equal(partial.rejectedSpans, 2);
    assert.match(partial.errorMessage, /1 span refused: time more than 1 h in the future/);
    assert.match(partial.errorMessage, /1 span refused: time before 2000-01-01/);
    assert.equal((await endpoints('times'))[0].requests, 2);

    // 100,000 spans in one request: the first 20,000 taken, the rest refused and counted.
    const many = Array.from({ length: 100_000 }, () => ({
      traceId: Buffer.alloc(16, 1),
      spanId: Buffer.alloc(8, 1),
      name: 'GET /bulk',
      kind: 2,
      startTimeUnixNano: nanos(now - 3000),
      endTimeUnixNano: nanos(now - 2990),
      attributes: [str('http.route', '/bulk')],
    }));
    const bulk = await post('traces', protobuf(traceRequest('bulk', many)));
    assert.equal(bulk.status, 200, bulk.text);
    const bulkPartial = TraceResponse.toObject(TraceResponse.decode(bulk.bytes), { longs: Number }).partialSuccess;
    assert.equal(bulkPartial.rejectedSpans, 80_000);
    assert.match(bulkPartial.errorMessage, /80000 spans refused: more than 20000 in one request/);
    assert.equal((await endpoints('bulk'))[0].requests, MAX_SPANS);

    // JSON answers the same partial success with the int64 as a string.
    const json = await post(
      'traces',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', kind: 2 }] }] }] }),
    );
    assert.equal(json.status, 200, json.text);
    assert.equal(JSON.parse(json.text).partialSuccess.rejectedSpans, '1');
  });

  it('cleans NUL and lone surrogates from what it keeps', async () => {
    const at = Date.now() - 1000;
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'clean\u0000-svc\ud800')] },
          scopeSpans: [
            {
              spans: [
                {
                  name: 'GET',
                  kind: 2,
                  startTimeUnixNano: nanos(at),
                  endTimeUnixNano: nanos(at + 5),
                  attributes: [str('http.route', '/a\u0000b\udc00'), str('http.request.method', 'GET')],
                  events: [
                    {
                      name: 'exception',
                      timeUnixNano: nanos(at + 1),
                      attributes: [
                        str('exception.type', 'Bad\u0000Type'),
                        str('exception.message', 'broken \ud83d text'),
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const answer = await post('traces', body);
    assert.equal(answer.status, 200, answer.text);
    const [route] = await endpoints('clean-svc\ufffd');
    assert.equal(route.route, '/ab\ufffd');
    const events = await stack.store.errorEvents.list({ tenantId: 'acme', limit: 500 });
    const bad = events.find((e) => e.source === 'clean-svc\ufffd');
    assert.equal(bad?.errorType, 'BadType');
    assert.equal(bad?.message, 'broken \ufffd text');
  });

  it('turns log records of severity ERROR and above into error events, and ignores the rest', async () => {
    const at = Date.now() - 1000;
    const record = (severityNumber: number, body: string) => ({
      timeUnixNano: nanos(at),
      severityNumber,
      severityText: severityNumber >= 17 ? 'ERROR' : 'INFO',
      body: { stringValue: body },
    });
    const request = {
      resourceLogs: [
        {
          resource: { attributes: [str('service.name', 'logger-svc')] },
          scopeLogs: [
            { logRecords: [record(9, 'all good'), record(17, 'disk full on /var'), record(21, 'disk full on /var')] },
          ],
        },
      ],
    };
    const answer = await post('logs', protobuf(request, LogsRequest));
    assert.equal(answer.status, 200, answer.text);
    const events = (await stack.store.errorEvents.list({ tenantId: 'acme', limit: 500 })).filter(
      (e) => e.source === 'logger-svc',
    );
    assert.deepEqual(events.map((e) => e.message).sort(), ['disk full on /var', 'disk full on /var']);
    const json = await post('logs', JSON.stringify({ resourceLogs: [] }));
    assert.equal(json.status, 200);
    assert.equal(json.text, '{}');
  });

  it('refuses bad requests with the status OTLP/HTTP names: 400, 401, 403, 413, 415', async () => {
    const bad = await post('traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    assert.equal(bad.status, 400);
    const Status = new Type('Status').add(new Field('code', 1, 'int32')).add(new Field('message', 2, 'string'));
    const decoded = Status.toObject(Status.decode(bad.bytes)) as { code: number; message: string };
    assert.equal(decoded.code, 3);
    assert.match(decoded.message, /not a protobuf ExportTraceServiceRequest/);

    const badJson = await post('traces', '{"resourceSpans": [');
    assert.equal(badJson.status, 400);
    assert.match(JSON.parse(badJson.text).message, /not JSON/);
    const badId = await post(
      'traces',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] }),
    );
    assert.equal(badId.status, 400);
    assert.match(JSON.parse(badId.text).message, /traceId: expected a hex id/);
    const badGzip = await post('traces', Buffer.from('not gzip at all'), {
      type: 'application/x-protobuf',
      gzip: false,
    });
    assert.equal(badGzip.status, 400, 'plain junk is bad protobuf');
    const notGzip = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Bearer ${key.writer}`,
      },
      body: '{}',
    });
    assert.equal(notGzip.status, 400);
    assert.match(((await notGzip.json()) as any).message, /not valid gzip/);

    assert.equal((await post('traces', protobuf(traceRequest('x', [])), { key: null })).status, 401);
    assert.equal((await post('traces', protobuf(traceRequest('x', [])), { key: key.reader })).status, 403);

    const large = await post('traces', Buffer.alloc(MAX_BODY + 1, 0x0a));
    assert.equal(large.status, 413);
    const bomb = await post('traces', Buffer.alloc(MAX_BODY + 1), { gzip: true });
    assert.equal(bomb.status, 413, 'over the limit once unzipped');
    assert.match(JSON.stringify(Status.toObject(Status.decode(bomb.bytes))), /larger than/);

    const text = await post('traces', 'hello', { type: 'text/plain' });
    assert.equal(text.status, 415);
    const brotli = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br', authorization: `Bearer ${key.writer}` },
      body: '{}',
    });
    assert.equal(brotli.status, 415);
  });

  it('answers 429 with Retry-After over the key’s rate limit, and 503 beyond the exports one server works on at once', async () => {
    const base = testConfig(stack.db.url);
    const limited = await serveApi(
      {
        config: { ...base, api: { ...base.api, host: '127.0.0.1', rateLimitPerMinute: 1 } },
        client: stack.client(base),
        store: stack.store,
        logger,
      },
      0,
    );
    try {
      const { key: fresh } = await new ApiKeyStore(stack.store.pool).create({ tenantId: 'acme', role: 'writer' });
      const send = () =>
        fetch(`${limited.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh}` },
          body: '{}',
        });
      assert.equal((await send()).status, 200);
      const refused = await send();
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
      assert.match(((await refused.json()) as any).message, /requests a minute/);
    } finally {
      await limited.close();
    }

    // One export at a time: while one waits for the store, the next is refused as unavailable (503).
    let open!: (store: MemoryStore) => void;
    const gate = new Promise<MemoryStore>((resolve) => (open = resolve));
    const api = new BrainOpsApi({
      config: { ...base, otlp: { ...base.otlp, maxConcurrent: 1 } },
      logger,
      store: () => gate,
      client: () => Promise.resolve(stack.client(base)),
    });
    const writer: TenantCaller = { keyId: 'k', tenantId: 'acme', role: 'writer' };
    const span = traceRequest('gate', [serverSpan({ route: '/gate' })]);
    const first = api.capture.traces.call(writer, { encoding: 'protobuf', body: protobuf(span) });
    const second = await api.capture.traces
      .call(writer, { encoding: 'protobuf', body: protobuf(span) })
      .catch((e) => e);
    assert.equal(toApiError(second)?.kind, 'unavailable', String(second));
    open(stack.store);
    assert.equal((await first).requests, 1);
    const third = await api.capture.traces.call(writer, { encoding: 'protobuf', body: protobuf(span) });
    assert.equal(third.groups, 1, 'taken again once the first was done');
  });

  it('lists routes with `brainops endpoints`', async () => {
    const out = JSON.parse(await cli('endpoints', '--service', 'json-svc', '--since', '1h', '--json'));
    assert.equal(out[0].route, '/orders/:id');
    assert.equal(out[0].requests, 5);
    const table = await cli('endpoints', '--since', '1h');
    assert.match(table, /checkout\s+GET\s+\/fail\s+50\s+100\.0%/);
  });
});
