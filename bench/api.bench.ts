/**
 * HTTP API benchmark (`npm run bench:api`), loopback only.
 *
 * Store, retrieve and search through the HTTP API (autocannon against the API server in a child
 * process), next to the same calls on `MemoryStore` in this process and raw `pg` queries, all on
 * one PostgreSQL in one run, at 1, 10 and 50 concurrent connections (callers) for BENCH_SECONDS
 * (default 5) each, after BENCH_WARMUP_SECONDS (default 2) untimed. Prints p50/p95/p99 and
 * requests/s per cell, then the MCP tool call round trip over streamable HTTP (memory_retrieve through
 * the SDK's Client, BENCH_MCP_CALLS sequential calls).
 *
 * The floor, in the same run: a bare `node:http` server in the API server's process making the
 * same `MemoryStore` call (see api-server.ts). Floor minus in-process is what any HTTP hop between
 * two processes costs on this machine (on a VM, a process that waited milliseconds for a socket
 * wakes up slower than one that waited microseconds, so the hop costs more for slower calls);
 * HTTP minus floor is what the API server adds (routing, key, validation, access log).
 *
 * Targets: HTTP adds at most 1 ms at p50 over in-process (1 connection); at least 2,000 stores/s
 * at 50 connections with no errors; an MCP tool call's p50 at most 5 ms.
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54471 (BENCH_PG_PORT), or a scratch database on the server
 * of DATABASE_URL. Pool size as configured (DATABASE_POOL_SIZE, default 10: what `brainops serve`
 * runs with) in both processes, read-through cache on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../temporal.config';
import { toWire } from '../src/api/wire';
import { ApiKeyStore, MemoryStore, memoryInput, migrate } from '../src/memory';
import { VOCABULARY } from './vocabulary';
import {
  createBenchLogger,
  envInt,
  fmtMs,
  heading,
  machineLine,
  now,
  printFacts,
  printTable,
  runBench,
  startBenchDatabase,
  summarize,
  type BenchDatabase,
} from './lib';

const SECONDS = envInt('BENCH_SECONDS', 5);
/**
 * Untimed load before each cell, at the cell's concurrency: a server's first thousands of
 * requests run before the JIT has compiled its hot paths, and a cell measures the steady state.
 */
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = [1, 10, 50];
const SEED = envInt('BENCH_API_ENTRIES', 20_000);
const MCP_CALLS = envInt('BENCH_MCP_CALLS', 500);
/**
 * Rounds of the interleaved loop (at least; and at least SECONDS): a p50 of a call that takes
 * milliseconds and varies by milliseconds needs about a thousand samples to be known within a
 * tenth of a millisecond. Never longer than INTERLEAVED_MAX_MS.
 */
const INTERLEAVED_ROUNDS = envInt('BENCH_ROUNDS', 1000);
const INTERLEAVED_MAX_MS = 60_000;
const POOL = loadConfig().database.poolSize;
const TENANT = 'bench';
const logger = createBenchLogger('bench-api');

type Op = 'store' | 'retrieve' | 'search';
interface Cell {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  errors: number;
}

const word = (i: number) => VOCABULARY[i % VOCABULARY.length]!;
const entryBody = (key: string, i: number) => ({
  key,
  value: { i },
  memoryType: 'knowledge' as const,
  scope: 'tenant' as const,
  title: `${word(i)} ${word(i * 7 + 3)}`,
  content: `${word(i * 3)} ${word(i * 5 + 1)} ${word(i * 11 + 2)} ${word(i * 13 + 4)} notes`,
});
const SEARCH = { query: `${word(3)} ${word(16)}`, sources: ['entries'], limit: 20 };
const RETRIEVE = { key: 'seed/1', scope: 'tenant' };

/**
 * Runs `call` from `connections` concurrent callers for WARMUP_SECONDS untimed, then SECONDS;
 * latencies of each call.
 */
async function closedLoop(connections: number, call: (n: number) => Promise<unknown>): Promise<Cell> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const warm = now() + WARMUP_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (now() < warm) await call(n++).catch(() => undefined);
    }),
  );
  const end = now() + SECONDS * 1000;
  const started = now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (now() < end) {
        const t = now();
        try {
          await call(n++);
          latencies.push(now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const s = summarize(latencies);
  return { p50: s.p50, p95: s.p95, p99: s.p99, rps: latencies.length / ((now() - started) / 1000), errors };
}

async function httpCell(url: string, key: string, op: Op, connections: number, tag: string): Promise<Cell> {
  let n = 0;
  const result = await autocannon({
    url: `${url}/memory/context/${op}`,
    connections,
    duration: SECONDS,
    ...(WARMUP_SECONDS > 0 ? { warmup: { connections, duration: WARMUP_SECONDS } } : {}),
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(toWire(op === 'retrieve' ? RETRIEVE : SEARCH)),
    ...(op === 'store'
      ? {
          requests: [
            {
              setupRequest: (request: object) => ({
                ...request,
                body: JSON.stringify(toWire(entryBody(`http-${tag}-${connections}-${n}`, n++))),
              }),
            },
          ],
        }
      : {}),
  } as autocannon.Options);
  return {
    p50: result.latency.p50,
    p95: result.latency.p97_5,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const floorAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One POST with a kept-alive connection (the precise client: sub-millisecond timing, no load generator). */
function post(url: string, key: string, body: unknown, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const PATHS = ['http', 'floor', 'inProcess', 'raw'] as const;
type Path = (typeof PATHS)[number];

/**
 * One caller alternating an HTTP request, the same call through the floor server, in-process and
 * raw, for SECONDS: the four see the same database and the same load on the machine, so their
 * p50s can be subtracted. Each round starts one path later, so that every path follows every
 * other equally often: a path that always came right after the server's own work would find it
 * awake, and one that always came after a pause would pay for waking it.
 */
async function interleaved(calls: Record<Path, (n: number) => Promise<unknown>>) {
  const samples: Record<Path, number[]> = { http: [], floor: [], inProcess: [], raw: [] };
  const started = now();
  const more = (n: number) =>
    now() - started < INTERLEAVED_MAX_MS && (n < INTERLEAVED_ROUNDS || now() - started < SECONDS * 1000);
  for (let n = 0; more(n); n++)
    for (let i = 0; i < PATHS.length; i++) {
      const path = PATHS[(n + i) % PATHS.length]!;
      const t = now();
      await calls[path](n);
      samples[path].push(now() - t);
    }
  const cell = (xs: number[]): Cell => {
    const s = summarize(xs);
    return { p50: s.p50, p95: s.p95, p99: s.p99, rps: 1000 / s.mean, errors: 0 };
  };
  return [
    ['HTTP, interleaved', cell(samples.http)],
    ['node:http floor, interleaved', cell(samples.floor)],
    ['in-process, interleaved', cell(samples.inProcess)],
    ['raw pg, interleaved', cell(samples.raw)],
  ] as [string, Cell][];
}

interface BenchServer {
  child: ChildProcess;
  url: string;
  floorUrl: string;
}

function startServer(url: string): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'api-server.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL),
      BRAINOPS_API_RATE_LIMIT: '0',
      BRAINOPS_EMBEDDINGS: 'off',
      BENCH_TENANT: TENANT,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`API server exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve({ child, ...(JSON.parse(line) as { url: string; floorUrl: string }) });
    });
  });
}

async function main(): Promise<void> {
  let db: BenchDatabase | undefined;
  let store: MemoryStore | undefined;
  let server: ChildProcess | undefined;
  let serverExited: Promise<unknown> | undefined;
  try {
    db = await startBenchDatabase({ port: envInt('BENCH_PG_PORT', 54471), database: 'brainops', logger });
    await migrate({ databaseUrl: db.url, logger });
    store = await MemoryStore.connect({ databaseUrl: db.url, poolSize: POOL, cacheMaxEntries: 10_000, logger });
    const s = store;
    for (let i = 0; i < SEED; i += 500)
      await Promise.all(
        Array.from({ length: Math.min(500, SEED - i) }, (_, j) =>
          s.entries.store(memoryInput.store({ ...entryBody(`seed/${i + j}`, i + j), tenantId: TENANT })),
        ),
      );
    await s.pool.query('vacuum analyze memory_entries');
    const { key } = await new ApiKeyStore(s.pool).create({ tenantId: TENANT, role: 'writer', name: 'bench' });
    const started = await startServer(db.url);
    server = started.child;
    serverExited = new Promise((resolve) => started.child.once('exit', resolve));

    heading('HTTP API vs MemoryStore in-process vs raw pg');
    printFacts([
      ['machine', machineLine()],
      ['database', db.description],
      ['seeded', `${SEED} entries in tenant ${TENANT}; pool ${POOL} per process; cache on`],
      [
        'each cell',
        `${SECONDS} s after ${WARMUP_SECONDS} s untimed; HTTP: autocannon (whole ms; its p95 column is p97.5, it reports no p95); interleaved: one caller alternating, for ${SECONDS} s and at least ${INTERLEAVED_ROUNDS} rounds (at most ${INTERLEAVED_MAX_MS / 1000} s), an HTTP request (keep-alive, timed to the microsecond), the same call through a bare node:http server in the API server's process (the floor), the in-process call and raw pg; req/s = 1000 / mean`,
      ],
    ]);
    const inProcess: Record<Op, (n: number, c: number) => Promise<unknown>> = {
      store: (n, c) => s.entries.store(memoryInput.store({ ...entryBody(`mem-${c}-${n}`, n), tenantId: TENANT })),
      retrieve: () => s.entries.retrieve(memoryInput.identity({ ...RETRIEVE, scope: 'tenant', tenantId: TENANT })),
      search: () => s.entries.search(memoryInput.search({ ...SEARCH, sources: ['entries'], tenantId: TENANT })),
    };
    const raw: Record<Op, (n: number, c: number) => Promise<unknown>> = {
      store: (n, c) => {
        const e = entryBody(`raw-${c}-${n}`, n);
        return s.pool.query(
          `insert into memory_entries (key, value, title, content, memory_type, layer, scope, tenant_id)
           values ($1, $2, $3, $4, 'knowledge', 'short_term', 'tenant', $5)`,
          [e.key, JSON.stringify(e.value), e.title, e.content, TENANT],
        );
      },
      retrieve: () =>
        s.pool.query(
          `select * from memory_entries where key = $1 and scope = 'tenant' and tenant_id = $2
             and user_id is null and session_id is null and agent_id is null`,
          [RETRIEVE.key, TENANT],
        ),
      search: () =>
        s.pool.query(
          `select id, key, ts_rank_cd(search_vector, q) as rank from memory_entries, plainto_tsquery('english', $2) q
           where tenant_id = $1 and search_vector @@ q order by rank desc limit 20`,
          [TENANT, SEARCH.query],
        ),
    };
    const bodyOf = (op: Op, n: number) =>
      op === 'store' ? entryBody(`seq-${n}`, n) : op === 'retrieve' ? RETRIEVE : SEARCH;
    const floorBodyOf = (op: Op, n: number) => (op === 'store' ? entryBody(`floor-${n}`, n) : bodyOf(op, n));
    const rows: string[][] = [];
    const results: Record<string, Cell> = {};
    // Stores last: retrieve and search see the seeded entries alone, however many stores follow.
    for (const op of ['retrieve', 'search', 'store'] as const) {
      for (const c of CONNECTIONS) {
        const precise: [string, Cell][] =
          c === 1
            ? await interleaved({
                // The API speaks snake_case on the wire; the floor server takes the store's own input.
                http: (n) => post(`${started.url}/memory/context/${op}`, key, toWire(bodyOf(op, n)), apiAgent),
                floor: (n) => post(`${started.floorUrl}/${op}`, key, floorBodyOf(op, n), floorAgent),
                inProcess: (n) => inProcess[op](n, 0),
                raw: (n) => raw[op](n, 0),
              })
            : [];
        const cells: [string, Cell][] = [
          ...precise,
          ['HTTP', await httpCell(started.url, key, op, c, 'run')],
          ['in-process', await closedLoop(c, (n) => inProcess[op](n, c))],
          ['raw pg', await closedLoop(c, (n) => raw[op](n, c))],
        ];
        for (const [path, cell] of cells) {
          results[`${op}/${c}/${path}`] = cell;
          rows.push([
            op,
            String(c),
            path,
            fmtMs(cell.p50),
            fmtMs(cell.p95),
            fmtMs(cell.p99),
            cell.rps.toFixed(0),
            String(cell.errors),
          ]);
        }
      }
    }
    printTable(['operation', 'conns', 'path', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'errors'], rows);

    heading('MCP tool call over streamable HTTP (memory_retrieve)');
    const mcp = new Client({ name: 'bench', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${started.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    const mcpLatencies: number[] = [];
    for (let i = 0; i < MCP_CALLS + 50; i++) {
      const t = now();
      const answer = await mcp.callTool({ name: 'memory_retrieve', arguments: RETRIEVE });
      if (answer.isError) throw new Error(`memory_retrieve failed: ${JSON.stringify(answer.content)}`);
      if (i >= 50) mcpLatencies.push(now() - t);
    }
    await mcp.close();
    const m = summarize(mcpLatencies);
    printTable(['calls', 'p50 ms', 'p95 ms', 'p99 ms'], [[String(m.n), fmtMs(m.p50), fmtMs(m.p95), fmtMs(m.p99)]]);

    heading('Targets');
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const p50 = (op: Op, path: string) => results[`${op}/1/${path}, interleaved`]!.p50;
    const added = (op: Op) => p50(op, 'HTTP') - p50(op, 'in-process');
    const hop = (op: Op) => p50(op, 'node:http floor') - p50(op, 'in-process');
    const stores50 = results['store/50/HTTP']!;
    printFacts([
      ...(['store', 'retrieve', 'search'] as const).map(
        (op) =>
          [
            `HTTP p50 over in-process, ${op}, 1 conn`,
            `${fmtMs(added(op))} ms (≤ 1 ms: ${verdict(added(op) <= 1)}): any HTTP hop ${fmtMs(hop(op))} (floor), the API server ${fmtMs(added(op) - hop(op))}`,
          ] as const,
      ),
      [
        'stores/s over HTTP at 50 conns',
        `${stores50.rps.toFixed(0)} with ${stores50.errors} errors (≥ 2,000, none: ${verdict(stores50.rps >= 2000 && stores50.errors === 0)})`,
      ],
      ['MCP tool call p50', `${fmtMs(m.p50)} ms (≤ 5 ms: ${verdict(m.p50 <= 5)})`],
    ]);
  } finally {
    server?.kill('SIGTERM');
    await serverExited;
    await store?.close();
    await db?.stop();
  }
}

runBench(main, logger);
