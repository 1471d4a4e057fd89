/**
 * OpenTelemetry intake benchmark (`npm run bench:capture`), loopback only.
 *
 * - OTLP spans/s accepted: autocannon POSTs `/v1/traces` (protobuf, BENCH_SPANS_PER_REQUEST spans
 *   each, default 512: the SDK's batch size) to the API server in a child process (as `bench:api`
 *   runs it) at 1, 10 and 50 connections for BENCH_SECONDS (default 5) each, after
 *   BENCH_WARMUP_SECONDS (default 2) untimed. The bodies are BENCH_SERVICES (default 20) services'
 *   server spans over 16 routes, 2 % of them 5xx (failed, no exception: no error events here).
 * - The floor, in the same run: `POST /memory/context/store` (what `bench:api` measures) at the
 *   same connections and seconds on the same server and database.
 * - No loss: after each OTLP cell, the requests summed in `endpoint_performance` grew by at least
 *   the spans of the 2xx answers and at most the spans sent (exports in flight when autocannon
 *   stops are kept by the server but not answered), in whole exports; the table's rows stay one
 *   per service, route, method and minute.
 * - Error span → error-learning started: BENCH_ERROR_SPANS (default 50) exports, one ERROR span with
 *   an exception of a new signature each, BENCH_ERROR_RATE per second (default 10); latency from
 *   the POST being sent to the workflow's start time as Temporal recorded it.
 *
 * Target: at least 20,000 spans/s at 10 or 50 connections. Figures are printed, not asserted.
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54481 (BENCH_PG_PORT) or a scratch database
 * on DATABASE_URL's server; a Temporal dev server on 127.0.0.1:7481 with a worker in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import generatedRoot from '@opentelemetry/otlp-transformer/build/src/generated/root';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import { toWire } from '../src/api/wire';
import { errorSignature } from '../src/domain/error-signature';
import { errorLearningWorkflowId } from '../src/domain/signature-hash';
import { ApiKeyStore } from '../src/memory';
import {
  createBenchLogger,
  envInt,
  fmtMs,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  printFacts,
  printTable,
  runBench,
  sleep,
  summarize,
} from './lib';
import { withBenchStack } from './stack';

const SECONDS = envInt('BENCH_SECONDS', 5);
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = [1, 10, 50];
const SPANS_PER_REQUEST = envInt('BENCH_SPANS_PER_REQUEST', 512);
const SERVICES = envInt('BENCH_SERVICES', 20);
const ERROR_SPANS = envInt('BENCH_ERROR_SPANS', 50);
const ERROR_RATE = envInt('BENCH_ERROR_RATE', 10);
const ROUTES = 16;
const TENANT = 'bench';
const TASK_QUEUE = 'bench-capture';
const TEMPORAL_PORT = 7481;
const logger = createBenchLogger('bench-capture');

type Message = { encode(m: object): { finish(): Uint8Array } };
const TraceRequest = (
  generatedRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: Record<string, Message> } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest!;

const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** One export of `service`: SPANS_PER_REQUEST server spans over ROUTES routes, 2 % of them 503. */
function exportBody(service: string, at: number): Buffer {
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => {
    const start = at - 1000 + (i % 1000);
    const latency = 2 + ((i * 37) % 200) * (i % 50 === 0 ? 10 : 1);
    return {
      traceId: Buffer.from(`${service}-${i}`.padEnd(16, '.').slice(0, 16)),
      spanId: Buffer.from(`${i}`.padEnd(8, '.').slice(0, 8)),
      name: `GET /api/r${i % ROUTES}/{id}`,
      kind: 2,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(start + latency),
      attributes: [
        str('http.request.method', 'GET'),
        str('http.route', `/api/r${i % ROUTES}/{id}`),
        { key: 'http.response.status_code', value: { intValue: i % 50 === 7 ? 503 : 200 } },
      ],
    };
  });
  return Buffer.from(
    TraceRequest.encode({
      resourceSpans: [{ resource: { attributes: [str('service.name', service)] }, scopeSpans: [{ spans }] }],
    }).finish(),
  );
}

interface BenchServer {
  child: ChildProcess;
  url: string;
}

function startServer(config: BrainOpsConfig): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'api-server.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: config.database.url,
      DATABASE_POOL_SIZE: String(config.database.poolSize),
      TEMPORAL_ADDRESS: `127.0.0.1:${TEMPORAL_PORT}`,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      BRAINOPS_API_RATE_LIMIT: '0',
      // autocannon keeps sending on a connection the server asked to close after its cap of requests,
      // and counts the 503s Node answers there; an exporter opens a new connection.
      BRAINOPS_API_MAX_REQUESTS_PER_SOCKET: '0',
      BRAINOPS_EMBEDDINGS: 'off',
      BENCH_TENANT: TENANT,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`API server exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
  });
}

interface Cell {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Requests sent, answered or not (those in flight when the cell ended were not answered). */
  sent: number;
  failed: number;
  /** Non-2xx statuses and their counts, e.g. `503×12`. */
  statuses: string;
}

/** An autocannon run; `bodies` are sent in turn. */
async function load(
  url: string,
  key: string,
  connections: number,
  seconds: number,
  type: string,
  bodies: () => Buffer | string,
): Promise<Cell> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
    requests: [{ setupRequest: (request: object) => ({ ...request, body: bodies() }) }],
  } as autocannon.Options);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    sent: result.requests.sent,
    failed: result.errors + result.non2xx + result.timeouts,
    statuses: Object.entries(
      (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {},
    )
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code}×${count}`)
      .join(' '),
  };
}

async function main(): Promise<void> {
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    temporal: { ...base.temporal, namespace: 'default', taskQueue: TASK_QUEUE },
  };
  await withBenchStack(
    { config, dbPort: envInt('BENCH_PG_PORT', 54481), temporalPort: TEMPORAL_PORT, logger },
    async ({ db, store, worker, client, config: stackConfig }) => {
      const { key } = await new ApiKeyStore(store.pool).create({ tenantId: TENANT, role: 'writer', name: 'bench' });
      const server = await startServer(stackConfig);
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      try {
        await worker.runUntil(async () => {
          heading('OpenTelemetry intake (OTLP/HTTP) vs memory stores, same server and database');
          printFacts([
            ['machine', machineLine()],
            ['database', db.description],
            [
              'each cell',
              `${SECONDS} s after ${WARMUP_SECONDS} s untimed; autocannon; OTLP: protobuf exports of ${SPANS_PER_REQUEST} server spans (${SERVICES} services × ${ROUTES} routes, 2 % 5xx); store: POST /memory/context/store`,
            ],
          ]);
          const bodies = Array.from({ length: SERVICES }, (_, i) => exportBody(`svc-${i}`, Date.now()));
          let n = 0;
          const nextExport = () => bodies[n++ % bodies.length]!;
          let s = 0;
          const nextStore = () =>
            JSON.stringify(
              toWire({ key: `capture-bench/${s++}`, memoryType: 'knowledge', scope: 'tenant', content: `note ${s}` }),
            );
          const summed = async () =>
            Number(
              (
                await store.pool.query<{ n: string }>(
                  'select coalesce(sum(requests), 0)::text as n from endpoint_performance',
                )
              ).rows[0]!.n,
            );
          const rows: string[][] = [];
          const lossChecks: string[] = [];
          for (const connections of CONNECTIONS) {
            const traces = `${server.url}/v1/traces`;
            const stores = `${server.url}/memory/context/store`;
            if (WARMUP_SECONDS > 0) {
              await load(traces, key, connections, WARMUP_SECONDS, 'application/x-protobuf', nextExport);
              await sleep(1000); // the warm-up's exports still in flight
            }
            const before = await summed();
            const otlp = await load(traces, key, connections, SECONDS, 'application/x-protobuf', nextExport);
            await sleep(1000); // exports still in flight when autocannon stopped
            const after = await summed();
            if (WARMUP_SECONDS > 0) await load(stores, key, connections, WARMUP_SECONDS, 'application/json', nextStore);
            const store = await load(stores, key, connections, SECONDS, 'application/json', nextStore);
            const answered = otlp.ok * SPANS_PER_REQUEST;
            const sent = otlp.sent * SPANS_PER_REQUEST;
            const kept = after - before;
            const whole = kept >= answered && kept <= sent && kept % SPANS_PER_REQUEST === 0;
            lossChecks.push(
              `${connections} conn: ${kept} summed, ${answered} answered 2xx, ${sent} sent${whole ? ' (none lost)' : ' — LOST SPANS'}` +
                (otlp.statuses ? `; exports refused: ${otlp.statuses}` : '') +
                (store.statuses ? `; stores refused: ${store.statuses}` : ''),
            );
            rows.push([
              String(connections),
              Math.round(otlp.rps * SPANS_PER_REQUEST).toLocaleString('en'),
              otlp.rps.toFixed(1),
              `${otlp.p50} / ${otlp.p99}`,
              String(otlp.failed),
              Math.round(store.rps).toLocaleString('en'),
              `${store.p50} / ${store.p99}`,
              String(store.failed),
            ]);
          }
          printTable(
            [
              'connections',
              'OTLP spans/s',
              'exports/s',
              'export p50/p99 ms',
              'export errors',
              'stores/s (floor)',
              'store p50/p99 ms',
              'store errors',
            ],
            rows,
          );
          const tableRows = (
            await store.pool.query<{ n: number }>('select count(*)::int as n from endpoint_performance')
          ).rows[0]!.n;
          printFacts([
            ['no loss', lossChecks.join('; ')],
            ['rows written', `${tableRows} rows in endpoint_performance (service × route × method × minute)`],
            ['target', '≥ 20,000 spans/s'],
          ]);

          // Error span → error-learning started.
          const sent: { workflowId: string; at: number }[] = [];
          const t0 = Date.now();
          for (let i = 0; i < ERROR_SPANS; i++) {
            const wait = t0 + (i * 1000) / ERROR_RATE - Date.now();
            if (wait > 0) await sleep(wait);
            const errorType = `BenchFailure${i}x${t0}`;
            const message = 'the bench broke on purpose';
            const start = Date.now() - 5;
            const body = TraceRequest.encode({
              resourceSpans: [
                {
                  resource: { attributes: [str('service.name', 'bench-errors')] },
                  scopeSpans: [
                    {
                      spans: [
                        {
                          traceId: Buffer.alloc(16, 9),
                          spanId: Buffer.alloc(8, 9),
                          name: 'POST /pay',
                          kind: 2,
                          startTimeUnixNano: nanos(start),
                          endTimeUnixNano: nanos(start + 4),
                          status: { code: 2, message },
                          events: [
                            {
                              name: 'exception',
                              timeUnixNano: nanos(start + 2),
                              attributes: [str('exception.type', errorType), str('exception.message', message)],
                            },
                          ],
                        },
                      ],
                    },
                  ],
                },
              ],
            }).finish();
            const at = Date.now();
            const response = await fetch(`${server.url}/v1/traces`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-protobuf' },
              body,
            });
            if (response.status !== 200) throw new Error(`error export answered ${response.status}`);
            sent.push({ workflowId: errorLearningWorkflowId(errorSignature(errorType, message, undefined)), at });
          }
          const latencies: number[] = [];
          for (const { workflowId, at } of sent) {
            const started = (await client.temporal.workflow.getHandle(workflowId).describe()).startTime.getTime();
            latencies.push(Math.max(0, started - at));
          }
          heading('Error span → error-learning workflow started (Temporal start time − POST sent)');
          printTable(LATENCY_HEADERS, [latencyCells(summarize(latencies))]);
          printFacts([
            [
              'method',
              `${ERROR_SPANS} exports at ${ERROR_RATE}/s, one ERROR span with an exception of a new signature each`,
            ],
            ['p95', fmtMs(summarize(latencies).p95)],
          ]);
        });
      } finally {
        server.child.kill('SIGTERM');
        await exited;
      }
    },
  );
}

runBench(main, logger);
