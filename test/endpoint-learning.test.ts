/**
 * What the learning cycles make of captured endpoint performance: the five-minute cycle flags a
 * route's error-rate spike, the hourly one a p95 regression against the day before, each as an
 * insight of the route's tenant that its brief and guidance show and no other tenant sees.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRateSpikes, p95Regressions, type RouteFigures } from '../src/domain/endpoint-findings';
import { aggregateRequests } from '../src/domain/endpoint-aggregation';
import { cycleWindow } from '../src/domain/cycle-windows';
import type { CapturedRequest } from '../src/domain/otlp-records';
import { briefToMarkdown, buildBrief } from '../src/services/brief';
import { testConfig, testWorker, useTestStack } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `n` requests of a route spread over the first `minutes` minutes after `from`, `failed` of them failing. */
function requests(
  route: Pick<CapturedRequest, 'service' | 'route' | 'method'>,
  from: number,
  n: number,
  failed: number,
  durationMs: number,
  minutes = 4,
): CapturedRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    ...route,
    startMs: from + 1000 + (i * minutes * 60_000) / n,
    durationMs,
    failed: i < failed,
  }));
}

describe('endpoint findings (pure rules)', () => {
  const route = (over: Partial<RouteFigures>): RouteFigures => ({
    tenantId: 't',
    service: 's',
    route: '/r',
    method: 'GET',
    requests: 100,
    errors: 0,
    p95Ms: 50,
    ...over,
  });

  it('a spike needs enough requests, enough errors, 5 % and three times the hour before', () => {
    assert.equal(errorRateSpikes([route({ errors: 10 })], []).length, 1, '10 % against nothing before');
    assert.equal(errorRateSpikes([route({ errors: 10 })], [route({ requests: 1000, errors: 30 })]).length, 1);
    assert.equal(errorRateSpikes([route({ errors: 10 })], [route({ requests: 1000, errors: 40 })]).length, 0);
    assert.equal(errorRateSpikes([route({ requests: 19, errors: 19 })], []).length, 0, 'too few requests');
    assert.equal(errorRateSpikes([route({ requests: 1000, errors: 4 })], []).length, 0, 'too few errors');
    assert.equal(errorRateSpikes([route({ requests: 1000, errors: 40 })], []).length, 0, 'under 5 %');
    assert.equal(
      errorRateSpikes([route({ errors: 10 })], [route({ tenantId: 'other', requests: 1000, errors: 500 })]).length,
      1,
      "another tenant's route is another route",
    );
  });

  it('a p95 regression needs a baseline, 1.5 times it and 20 ms more', () => {
    assert.deepEqual(
      p95Regressions([route({ p95Ms: 200 })], [route({ p95Ms: 50 })]).map((r) => [r.p95Ms, r.baselineP95Ms]),
      [[200, 50]],
    );
    assert.equal(p95Regressions([route({ p95Ms: 200 })], []).length, 0, 'no baseline');
    assert.equal(p95Regressions([route({ p95Ms: 70 })], [route({ p95Ms: 50 })]).length, 0, 'under 1.5×');
    assert.equal(p95Regressions([route({ p95Ms: 12 })], [route({ p95Ms: 4 })]).length, 0, 'under 20 ms more');
    assert.equal(p95Regressions([route({ p95Ms: 200 })], [route({ requests: 5, p95Ms: 50 })]).length, 0);
  });
});

describe('endpoint learning (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();

  it('a brief shows a storm of one error as one line with its count', async () => {
    const event = (message: string) => ({
      signature: `PaymentDeclined: ${message}`,
      errorType: 'PaymentDeclined',
      message,
      source: 'checkout',
      tenantId: 'storm',
    });
    await stack.store.errorEvents.record(event('card declined'), 50);
    await stack.store.errorEvents.record(event('gateway timeout'));
    const brief = await buildBrief(stack.store, 'storm');
    assert.deepEqual(brief.recentErrors.map((e) => [e.message, e.occurrences]).sort(), [
      ['card declined', 50],
      ['gateway timeout', 1],
    ]);
    assert.match(briefToMarkdown(brief), /card declined \(×50\)/);
  });

  it('five-minute and hourly cycles write error-rate spikes and p95 regressions as the tenant’s insights; its brief and guidance show them, another tenant sees none', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const fiveMinute = cycleWindow('five-minute', Date.now() - 2 * HOUR);
    const hourly = cycleWindow('hourly', Date.now() - 2 * HOUR);
    const start = Date.parse(fiveMinute.start);
    const hourStart = Date.parse(hourly.start);
    const pay = { service: 'checkout', route: '/pay/:id', method: 'POST' };
    const search = { service: 'catalog', route: '/search', method: 'GET' };
    const steady = { service: 'checkout', route: '/cart', method: 'GET' };
    const add = (tenantId: string, r: CapturedRequest[]) =>
      stack.store.endpointPerformance.add(tenantId, aggregateRequests(r));

    // acme: /pay fails 30 of 60 in the window after a quiet hour; /cart fails 10 % steadily.
    await add('acme', requests(pay, start - HOUR, 600, 0, 30, 55));
    await add('acme', requests(pay, start, 60, 30, 30));
    await add('acme', requests(steady, start - HOUR, 600, 60, 20, 55));
    await add('acme', requests(steady, start, 50, 5, 20));
    // acme: /search at 40 ms the day before, 400 ms this hour.
    await add('acme', requests(search, hourStart - DAY, 200, 0, 40, 50));
    await add('acme', requests(search, hourStart, 200, 0, 400, 50));
    // globex: nothing unusual.
    await add('globex', requests(pay, start - HOUR, 600, 0, 30, 55));
    await add('globex', requests(pay, start, 60, 0, 30));

    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const five = await client.runLearningCycle({ cycle: 'five-minute', windowEnd: fiveMinute.end });
      const spikes = five.cycle === 'five-minute' ? five.result.endpointErrorSpikes : assert.fail();
      assert.deepEqual(
        spikes?.map((s) => [s.tenantId, s.service, s.method, s.route]),
        [['acme', 'checkout', 'POST', '/pay/:id']],
        'the spike, not the steady 10 % of /cart nor globex',
      );
      const hour = await client.runLearningCycle({ cycle: 'hourly', windowEnd: hourly.end });
      const regressions = hour.cycle === 'hourly' ? hour.result.endpointRegressions : assert.fail();
      assert.deepEqual(
        regressions?.map((s) => [s.tenantId, s.service, s.route]),
        [['acme', 'catalog', '/search']],
      );
      const again = await client.runLearningCycle({ cycle: 'five-minute', windowEnd: fiveMinute.end });
      assert.deepEqual(again, five, 'the same window gives the same result');
    });

    const acme = await stack.store.insights.list({ tenantId: 'acme' });
    const kinds = acme.map((i) => i.kind).sort();
    assert.deepEqual(kinds, ['endpoint-error-spike', 'endpoint-p95-regression']);
    const spike = acme.find((i) => i.kind === 'endpoint-error-spike')!;
    assert.match(spike.title, /^checkout POST \/pay\/:id: 50% of requests failed/);
    assert.equal(spike.actionable, true);
    const regression = acme.find((i) => i.kind === 'endpoint-p95-regression')!;
    assert.match(regression.title, /catalog GET \/search is slower: p95 \d+ ms .* against \d+ ms the day before/);

    assert.deepEqual(await stack.store.insights.list({ tenantId: 'globex' }), [], 'globex sees none of acme’s');
    const rows = await stack.store.pool.query<{ scope: string; tenant_id: string }>(
      `select scope, tenant_id from memory_entries where starts_with(key, 'insight/endpoint-')`,
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.scope, r.tenant_id]),
      [
        ['tenant', 'acme'],
        ['tenant', 'acme'],
      ],
      'stored as the tenant’s own entries, never global',
    );

    const brief = await buildBrief(stack.store, 'acme');
    assert.equal(brief.servicePerformance.length, 2);
    assert.match(
      briefToMarkdown(brief),
      /## Service performance\n- \[high\] checkout POST \/pay\/:id: 50% of requests failed/,
    );
    assert.deepEqual((await buildBrief(stack.store, 'globex')).servicePerformance, []);
    assert.doesNotMatch(briefToMarkdown(await buildBrief(stack.store, 'globex')), /Service performance/);

    const forAcme = await stack.store.guidance.matchingInsights({ task: 'checkout pay failing', tenantId: 'acme' });
    assert.ok(
      forAcme.some((m) => m.key === spike.key),
      'acme’s guidance finds its spike',
    );
    const forGlobex = await stack.store.guidance.matchingInsights({ task: 'checkout pay failing', tenantId: 'globex' });
    assert.ok(!forGlobex.some((m) => m.key.startsWith('insight/endpoint-')), 'globex’s guidance does not');
  });
});
