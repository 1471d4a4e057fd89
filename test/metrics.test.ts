/**
 * `/metrics` of a real worker process (`brainops worker`: the worker and the API server, against
 * the test's Temporal dev server and PostgreSQL), on the API server's port and on the worker's own,
 * parsed by a Prometheus text-format parser from npm: every BrainOps series is there, the counters
 * move after traffic (requests, writes, searches, cache hits, session messages) and so do the
 * database-backed series (error events, procedure compliance, learning cycles), the Temporal SDK's
 * own metrics are included, and the bearer token is required when one is configured.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { ApiKeyStore } from '../src/memory';
import { freeLoopbackPort } from '../src/stack/free-port';
import { eventually, testConfig, useTestStack, type OperatorClient } from './helpers';

const BIN = path.join(__dirname, '..', 'bin', 'brainops.cjs');
const TOKEN = 'metrics-token-for-the-test-0123456789';

type Families = Map<string, PrometheusFamily>;

/** The sum of a family's samples whose labels include `labels` (histograms: their counts). */
function total(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) return Number.NaN;
  return family.metrics
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

describe('/metrics of a worker process (real Temporal, real PostgreSQL, Prometheus text parser)', () => {
  let child: ChildProcess | undefined;
  after(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
  const stack = useTestStack();
  let api = '';
  let workerMetrics = '';
  let key = '';
  let client: OperatorClient;

  const scrape = async (url: string): Promise<Families> => {
    const answer = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return new Map(parsePrometheusTextFormat(await answer.text()).map((f) => [f.name, f]));
  };
  const call = async (method: string, route: string, body?: unknown) => {
    const answer = await fetch(`${api}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(answer.status < 300, `${method} ${route}: ${answer.status} ${await answer.clone().text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };

  before(async () => {
    const base = testConfig(stack.db.url);
    const remediations = { pause: { kind: 'wait' as const, delayMs: 1 } };
    const config = { ...base, errorLearning: { ...base.errorLearning, remediations } };
    client = stack.client(config);
    key = (await new ApiKeyStore(stack.store.pool).create({ tenantId: 'acme', role: 'admin' })).key;
    const [apiPort, workerPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    child = spawn(process.execPath, [BIN, 'worker'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        BRAINOPS_CACHE_DIR: process.env.BRAINOPS_CACHE_DIR,
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        DATABASE_URL: stack.db.url,
        BRAINOPS_API_PORT: String(apiPort),
        BRAINOPS_WORKER_METRICS_PORT: String(workerPort),
        BRAINOPS_METRICS_TOKEN: TOKEN,
        BRAINOPS_MONITOR_INTERVAL: '1h',
        BRAINOPS_REMEDIATIONS: JSON.stringify(remediations),
        BRAINOPS_LOG_LEVEL: 'info',
      },
    });
    let output = '';
    [api, workerMetrics] = await new Promise<[string, string]>((resolve, reject) => {
      const found: { api?: string; worker?: string } = {};
      child!.once('exit', (code) => reject(new Error(`brainops worker exited with ${code}:\n${output}`)));
      for (const stream of [child!.stdout!, child!.stderr!])
        readline.createInterface({ input: stream }).on('line', (line) => {
          output += `${line}\n`;
          found.api ??= /API server on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
          found.worker ??= /worker metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(line)?.[1];
          if (found.api && found.worker) resolve([found.api, found.worker]);
        });
    });
  });

  it('requires the bearer token when one is configured', async () => {
    for (const url of [`${api}/metrics`, workerMetrics]) {
      assert.equal((await fetch(url)).status, 401, url);
      assert.equal(
        (await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
        401,
        url,
      );
    }
  });

  it('has every series, and they move after traffic', async () => {
    const before = await scrape(`${api}/metrics`);
    for (const name of [
      'brainops_http_requests_total',
      'brainops_http_request_duration_seconds',
      'brainops_memory_searches_total',
      'brainops_memory_cache_lookups_total',
      'brainops_session_messages_total',
      'brainops_embeddings_pending',
      'brainops_error_events',
      'brainops_errors_auto_resolved_ratio',
      'brainops_db_pool_connections',
      'brainops_process_cpu_seconds_total',
    ])
      assert.ok(before.has(name), `${name} is exposed`);
    assert.ok(
      [...before.keys()].some((n) => n.startsWith('temporal_')),
      'the Temporal SDK’s metrics are included',
    );
    assert.equal(before.get('brainops_http_request_duration_seconds')?.type, 'HISTOGRAM');

    // Traffic: stores, a search, a cached read, a session message, an error, a procedure, a learning cycle.
    for (let i = 0; i < 3; i++)
      await call('POST', '/memory/context/store', {
        key: `metrics/${i}`,
        value: { i },
        memory_type: 'knowledge',
        content: `entry ${i} about metrics`,
      });
    await call('POST', '/memory/context/search', { query: 'entry about metrics' });
    for (let i = 0; i < 3; i++) await call('POST', '/memory/context/retrieve', { key: 'metrics/0' });
    await call('POST', '/memory/session/start', { session_id: 'metrics-demo' });
    await call('POST', '/memory/session/message', {
      session_id: 'metrics-demo',
      role: 'user',
      content: 'hello metrics',
    });
    await call('POST', '/errors', { error_type: 'MetricsError', message: 'metrics test failure', source: 'test' });
    await client.defineProcedure({
      name: 'metrics-op',
      version: 1,
      enforcement: 'off',
      steps: [{ id: 'pause', kind: 'remediation', action: 'pause' }],
    });
    const run = await client.runProcedure({ name: 'metrics-op', startedBy: 'test' });
    assert.equal((await client.procedures.result(run.workflowId)).state, 'succeeded');
    await client.runLearningCycle({ cycle: 'five-minute' });

    const afterTraffic = await scrape(`${api}/metrics`);
    const store = { route: '/memory/context/store', method: 'POST', status: '200' };
    assert.equal(
      total(afterTraffic, 'brainops_http_requests_total', store),
      total(before, 'brainops_http_requests_total', store) + 3,
    );
    // The parser folds a histogram's labelled series into one set of buckets (its prom2json shape):
    // the family is checked by type and buckets; the counter above counts per route.
    const histogram = afterTraffic.get('brainops_http_request_duration_seconds')!;
    assert.equal(histogram.type, 'HISTOGRAM');
    assert.ok(Number(histogram.metrics[0]?.buckets?.['+Inf']) >= 1, 'requests in the buckets');
    assert.ok(total(afterTraffic, 'brainops_memory_writes_total') >= 3);
    assert.ok(total(afterTraffic, 'brainops_memory_searches_total') > total(before, 'brainops_memory_searches_total'));
    assert.ok(total(afterTraffic, 'brainops_memory_cache_lookups_total', { result: 'hit' }) >= 2, 'cache hits');
    assert.ok(
      total(afterTraffic, 'brainops_session_messages_total', { outcome: 'stored' }) >
        total(before, 'brainops_session_messages_total', { outcome: 'stored' }),
      'session messages',
    );
    // Database-backed series are read at most every 10 s: the next readings show the traffic.
    const moved = await eventually(
      async () => {
        const now = await scrape(`${api}/metrics`);
        const errors = total(now, 'brainops_error_events');
        return errors > total(before, 'brainops_error_events') &&
          total(now, 'brainops_procedure_compliance_ratio', { procedure: 'metrics-op' }) === 1 &&
          now.get('brainops_learning_cycle_duration_seconds')?.metrics.some((m) => m.labels?.cycle === 'five-minute')
          ? now
          : undefined;
      },
      30_000,
      'the database-backed series to move',
    );
    assert.ok(total(moved, 'brainops_embeddings_pending', { source: 'entries' }) >= 0);
    assert.ok(total(moved, 'brainops_db_pool_connections', { pool: 'memory', state: 'total' }) >= 1);
  });

  it('serves the same registry and the Temporal SDK’s metrics on the worker’s own port', async () => {
    const worker = await scrape(workerMetrics);
    assert.ok(worker.has('brainops_http_requests_total'));
    const temporal = [...worker.keys()].filter((n) => n.startsWith('temporal_'));
    assert.ok(temporal.length > 5, `Temporal SDK series: ${temporal.join(', ')}`);
    assert.ok(
      total(worker, 'temporal_activity_task_received_total') > 0 &&
        total(worker, 'temporal_workflow_completed_total') > 0,
      `workflows and activities ran: ${temporal.join(', ')}`,
    );
  });
});
