/**
 * Alertmanager intake over HTTP (real Temporal, real PostgreSQL, a real redis-server of this
 * test's own): the notifications a real Alertmanager v0.35.0 sent (test/fixtures/alertmanager,
 * how they were recorded is in its README) POSTed to `/ingest/alertmanager` as Alertmanager sends
 * them — the firing one drives error-learning that restarts the stopped Redis with the remediation
 * configured for `RedisDown`, the resolved one verifies the fix and resolves the events. Also: a
 * repeated notification starts nothing, keys and tenants, and invalid payloads.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { statusQuery, type ErrorLearningStatus } from '../src/contracts/error-learning-messages';
import { alertDedupeKey, alertMessage, alertSignature, alertSignaturePrefix } from '../src/domain/alert-signature';
import { ApiKeyStore } from '../src/memory';
import { loadConfig } from '../temporal.config';
import { eventually, testConfig, useTestApiServer, useTestRedis } from './helpers';

const run = promisify(execFile);
const fixtures = path.join(__dirname, 'fixtures', 'alertmanager');
/** The bytes Alertmanager sent, and the headers it sent them with (less the key). */
const recorded = (name: 'firing' | 'resolved') => ({
  body: fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8'),
  headers: JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.headers.json`), 'utf8')).headers as Record<
    string,
    string
  >,
});

/** The recorded notification with its one alert renamed (another alert, another fingerprint, another start). */
function variant(name: 'firing' | 'resolved', alertname: string, startsAt = '2026-12-04T16:25:10Z'): any {
  const body = JSON.parse(recorded(name).body);
  const [alert] = body.alerts;
  alert.labels.alertname = alertname;
  alert.fingerprint = `${alertname.toLowerCase()}00000000`.slice(0, 16);
  alert.startsAt = startsAt;
  alert.annotations = { summary: `${alertname} on the cache service` };
  body.groupLabels.alertname = body.commonLabels.alertname = alertname;
  body.commonAnnotations = alert.annotations;
  return body;
}

describe('Alertmanager intake (recorded notifications of Alertmanager v0.35.0, real Temporal and PostgreSQL)', () => {
  const served = useTestApiServer((stack) => {
    // As an operator configures it: the environment variables, parsed by temporal.config.ts.
    const configured = loadConfig({
      BRAINOPS_REMEDIATIONS: JSON.stringify({
        'restart-redis': { kind: 'command', argv: startRedis, timeoutMs: 10_000 },
      }),
      BRAINOPS_ALERT_REMEDIATIONS: JSON.stringify({ RedisDown: 'restart-redis' }),
      BRAINOPS_ALERT_VERIFY_TIMEOUT: '2m',
    });
    return testConfig(stack.db.url, { errorLearning: configured.errorLearning });
  });
  const { stack } = served;
  const key = { writer: '', reader: '', other: '', operator: '' };

  // The configured remediation of RedisDown: the very command that starts this Redis.
  const { start: startRedis, stop: stopRedis, ping } = useTestRedis(6440);

  /** POSTs `body` (an object, or the recorded bytes) to /ingest/alertmanager as Alertmanager does. */
  async function post(body: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${served.server.url}/ingest/alertmanager`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Alertmanager/0.35.0',
        ...opts.headers,
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }
  /** Replays a recording: its bytes and its headers, with `key` where Alertmanager sent its credentials. */
  function replay(name: 'firing' | 'resolved', key: string) {
    const { body, headers } = recorded(name);
    const { host: _host, 'content-length': _length, authorization: _key, ...sent } = headers;
    return post(body, { key, headers: sent });
  }
  const status = (workflowId: string) =>
    stack.env.client.workflow.getHandle(workflowId).query(statusQuery) as Promise<ErrorLearningStatus>;

  before(async () => {
    assert.deepEqual(served.config.errorLearning.alertSignatureLabels, ['alertname', 'service', 'job'], 'the default');
    const keys = new ApiKeyStore(stack.store.pool);
    key.writer = (await keys.create({ tenantId: 'acme', role: 'writer' })).key;
    key.reader = (await keys.create({ tenantId: 'acme', role: 'reader' })).key;
    key.other = (await keys.create({ tenantId: 'globex', role: 'writer' })).key;
    key.operator = (await keys.create({ operator: true })).key;
  });

  it('heals a real Redis: the firing notification restarts it, the resolved one verifies the fix and resolves the events', async (t) => {
    await run(startRedis[0]!, startRedis.slice(1));
    await eventually(async () => ((await ping()) === 'PONG' ? true : undefined), 10_000, 'redis up');
    await stopRedis();
    assert.equal(await ping(), 'no answer', 'Redis is down');
    const down = Date.now();

    const fired = await replay('firing', key.writer);
    assert.equal(fired.status, 200, JSON.stringify(fired.body));
    const [alert] = fired.body.alerts;
    assert.equal(alert.alertname, 'RedisDown');
    assert.equal(alert.fingerprint, 'c621577e2ff52202');
    assert.equal(alert.status, 'firing');
    assert.equal(alert.outcome, 'recorded');
    assert.equal(alert.signature, 'Alert: RedisDown{service="cache", job="redis"} tenant=acme');

    const [event] = await stack.store.errorEvents.list({ tenantId: 'acme', limit: 5 });
    assert.equal(event?.id, alert.error_event_id);
    assert.equal(event?.source, 'alertmanager');
    assert.equal(event?.errorType, 'Alert');
    assert.equal(
      event?.message,
      'Redis of the cache service is down — redis job redis at 127.0.0.1:6390 refuses connections',
    );
    assert.equal(event?.status, 'open');
    assert.equal(event?.context?.fingerprint, 'c621577e2ff52202');
    assert.equal(event?.context?.generatorURL, 'http://127.0.0.1:9090/graph?g0.expr=redis_up+%3D%3D+0');
    assert.deepEqual((event?.context?.labels as any)?.severity, 'critical');
    assert.equal((event?.context?.annotations as any)?.summary, 'Redis of the cache service is down');

    // The remediation configured for RedisDown starts this Redis again ...
    await eventually(async () => ((await ping()) === 'PONG' ? true : undefined), 30_000, 'redis restarted');
    const restarted = Date.now();
    // ... and its verification waits for Alertmanager to report the alert resolved.
    const waiting = await eventually(async () => {
      const s = await status(alert.workflow_id);
      return s.attempts.length === 0 && s.state === 'remediating' ? s : undefined;
    });
    assert.deepEqual(waiting.firingAlerts, ['c621577e2ff52202']);

    const resolved = await replay('resolved', key.writer);
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.alerts[0].outcome, 'cleared', 'told to the run in flight');
    assert.equal(resolved.body.alerts[0].signature, alert.signature);

    const result = (await stack.env.client.workflow.getHandle(alert.workflow_id).result()) as ErrorLearningStatus;
    assert.equal(result.state, 'resolved');
    assert.deepEqual(result.resolvedBy?.by, 'automation');
    assert.equal(result.resolvedBy?.action, 'restart-redis');
    assert.deepEqual(result.firingAlerts, []);
    assert.equal(result.attempts[0]?.verified, true);
    assert.equal(await ping(), 'PONG');

    const [solution] = await stack.store.knowledge.listSolutions();
    assert.equal(solution?.problemSignature, alert.signature, 'the fix was learned for the alert');
    assert.equal(solution?.action, 'restart-redis');
    const [afterwards] = await stack.store.errorEvents.list({ tenantId: 'acme', id: alert.error_event_id, limit: 1 });
    assert.equal(afterwards?.status, 'resolved');
    assert.equal(afterwards?.resolvedBy, solution?.id, 'resolved by the learned solution');
    t.diagnostic(`Redis answered again ${restarted - down} ms after the firing notification was sent`);
  });

  it('a repeated notification of the same firing records nothing new and starts no second workflow', async () => {
    // Alertmanager re-sends a firing alert on repeat_interval and group changes: same fingerprint, same start.
    const first = await post(variant('firing', 'CacheSlow'), { key: key.writer });
    assert.equal(first.body.alerts[0].outcome, 'recorded', JSON.stringify(first.body));
    const { workflow_id: workflowId, error_event_id: eventId } = first.body.alerts[0];
    const handle = stack.env.client.workflow.getHandle(workflowId);
    const { runId } = await handle.describe();
    await eventually(async () => ((await status(workflowId)).occurrences === 1 ? true : undefined));

    const again = await post(variant('firing', 'CacheSlow'), { key: key.writer });
    assert.equal(again.status, 200);
    assert.equal(again.body.alerts[0].outcome, 'duplicate');
    assert.equal(again.body.alerts[0].error_event_id, eventId, 'the event recorded the first time');
    assert.equal((await status(workflowId)).occurrences, 1, 'the run was not told again');
    assert.equal((await handle.describe()).runId, runId, 'the same run');
    const events = await stack.store.errorEvents.list({ tenantId: 'acme', signature: first.body.alerts[0].signature });
    assert.equal(events.length, 1);

    // The RedisDown firing healed above, sent again after its run ended: no new run, no new event.
    const redis = await replay('firing', key.writer);
    assert.equal(redis.body.alerts[0].outcome, 'duplicate');
    assert.equal(
      (await stack.env.client.workflow.getHandle(redis.body.alerts[0].workflow_id).describe()).status.name,
      'COMPLETED',
    );

    // A new firing of the same alert (another start) is another occurrence of the same run.
    const refired = await post(variant('firing', 'CacheSlow', '2026-12-04T17:00:00Z'), { key: key.writer });
    assert.equal(refired.body.alerts[0].outcome, 'recorded');
    assert.equal(refired.body.alerts[0].workflow_id, workflowId);
    await eventually(async () => ((await status(workflowId)).occurrences === 2 ? true : undefined));
  });

  it('keeps tenants apart: one tenant’s resolved alert resolves none of another’s; the owner’s ends its escalated run', async () => {
    const fired = await post(variant('firing', 'DiskFull'), { key: key.writer });
    const [alert] = fired.body.alerts;
    assert.equal(alert.outcome, 'recorded');
    // No remediation is configured for DiskFull: the run escalates and waits for a person.
    await eventually(async () => ((await status(alert.workflow_id)).state === 'escalated' ? true : undefined));

    const foreign = await post(variant('resolved', 'DiskFull'), { key: key.other });
    assert.equal(foreign.status, 200);
    assert.equal(foreign.body.alerts[0].signature, 'Alert: DiskFull{service="cache", job="redis"} tenant=globex');
    assert.equal(foreign.body.alerts[0].outcome, 'resolved');
    assert.equal(foreign.body.alerts[0].resolved_events, 0);
    const named = await post({ ...variant('resolved', 'DiskFull'), tenantId: 'acme' }, { key: key.other });
    assert.equal(named.status, 403, 'a body naming another tenant is refused');
    assert.deepEqual((await status(alert.workflow_id)).firingAlerts, [alert.fingerprint], 'still firing');
    const [event] = await stack.store.errorEvents.list({ tenantId: 'acme', id: alert.error_event_id, limit: 1 });
    assert.equal(event?.status, 'escalated');
    assert.deepEqual(await stack.store.errorEvents.list({ tenantId: 'globex' }), [], 'globex has no errors');

    // The operator's key: alerts of no tenant.
    const operators = await post(variant('resolved', 'DiskFull'), { key: key.operator });
    assert.equal(operators.body.alerts[0].signature, 'Alert: DiskFull{service="cache", job="redis"}');

    const resolved = await post(variant('resolved', 'DiskFull'), { key: key.writer });
    assert.equal(resolved.body.alerts[0].outcome, 'cleared');
    const result = (await stack.env.client.workflow.getHandle(alert.workflow_id).result()) as ErrorLearningStatus;
    assert.equal(result.state, 'resolved');
    assert.deepEqual(result.resolvedBy, { action: 'alert resolved', by: 'alert' });
    const [closed] = await stack.store.errorEvents.list({ tenantId: 'acme', id: alert.error_event_id, limit: 1 });
    assert.equal(closed?.status, 'resolved');
    assert.equal(closed?.resolvedBy, null, 'nothing was learned');

    // A new firing starts a new run; with no run in flight when it resolves, the intake resolves the events.
    const refire = await post(variant('firing', 'DiskFull', '2026-12-04T18:00:00Z'), { key: key.writer });
    assert.equal(refire.body.alerts[0].outcome, 'recorded');
    await eventually(async () => ((await status(alert.workflow_id)).state === 'escalated' ? true : undefined));
    await stack.env.client.workflow.getHandle(alert.workflow_id).terminate('test: no run in flight');
    const direct = await post(variant('resolved', 'DiskFull', '2026-12-04T18:00:00Z'), { key: key.writer });
    assert.equal(direct.body.alerts[0].outcome, 'resolved');
    assert.equal(direct.body.alerts[0].resolved_events, 1);
    const [closedByIntake] = await stack.store.errorEvents.list({
      tenantId: 'acme',
      id: refire.body.alerts[0].error_event_id,
      limit: 1,
    });
    assert.equal(closedByIntake?.status, 'resolved');
  });

  it('refuses a missing or unknown key (401) and a reader key (403)', async () => {
    const { body } = recorded('firing');
    assert.equal((await post(body)).status, 401);
    assert.equal((await post(body, { key: `bo_${'A'.repeat(43)}` })).status, 401);
    assert.equal((await post(body, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).status, 401);
    const reader = await post(body, { key: key.reader });
    assert.equal(reader.status, 403);
    assert.match(reader.body.message, /writer/);
  });

  it('refuses an invalid notification with a 400 naming the field as Alertmanager names it; tolerates added fields', async () => {
    const cases: [string, (body: any) => void, string][] = [
      ['another protocol version', (b) => (b.version = '3'), 'version'],
      ['no alerts', (b) => (b.alerts = []), 'alerts'],
      ['an alert without its alertname', (b) => delete b.alerts[0].labels.alertname, 'alerts.0.labels'],
      ['a start that is no time', (b) => (b.alerts[0].startsAt = 'yesterday'), 'alerts.0.startsAt'],
      ['an unknown status', (b) => (b.alerts[0].status = 'pending'), 'alerts.0.status'],
      ['no fingerprint', (b) => delete b.alerts[0].fingerprint, 'alerts.0.fingerprint'],
      ['a label value that is no string', (b) => (b.alerts[0].labels.port = 6379), 'alerts.0.labels.port'],
      ['a NUL in the fingerprint', (b) => (b.alerts[0].fingerprint = 'ab\u0000cd'), 'alerts.0.fingerprint'],
      [
        'a lone surrogate in the generator URL',
        (b) => (b.alerts[0].generatorURL = 'http://x/\ud800'),
        'alerts.0.generatorURL',
      ],
      ['a NUL in the group key', (b) => (b.groupKey = '{}:\u0000'), 'groupKey'],
      [
        'labels and annotations above 64 KiB',
        (b) => {
          for (let i = 0; i < 8; i++) b.alerts[0].annotations[`note${i}`] = 'x'.repeat(9000);
        },
        'alerts.0.annotations',
      ],
    ];
    for (const [what, change, field] of cases) {
      const body = JSON.parse(recorded('firing').body);
      change(body);
      const answer = await post(body, { key: key.writer });
      assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.field, field, `${what}: ${JSON.stringify(answer.body)}`);
      assert.ok(answer.body.reason, what);
    }
    assert.equal((await post('[1, 2]', { key: key.writer })).status, 400);
    assert.equal((await post('{"version": ', { key: key.writer })).status, 400);

    // Fields a later Alertmanager may add, at the top and in an alert: taken.
    const added = variant('firing', 'AddedFields');
    added.someFutureField = { a: 1 };
    added.alerts[0].silencedBy = [];
    const answer = await post(added, { key: key.writer });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.alerts[0].outcome, 'recorded');
  });
});

describe('an alert as an error: signature, message, dedupe key (src/domain/alert-signature.ts)', () => {
  const labels = { alertname: 'RedisDown', job: 'redis', service: 'cache', instance: '10.0.0.7:6379' };

  it('makes the signature of the listed labels the alert has, in the operator’s order, and the tenant', () => {
    const defaults = ['alertname', 'service', 'job'];
    assert.equal(alertSignature({ labels }, defaults), 'Alert: RedisDown{service="cache", job="redis"}');
    assert.equal(
      alertSignature({ labels, tenantId: 'acme' }, ['job', 'alertname', 'zone', 'service']),
      'Alert: RedisDown{job="redis", service="cache"} tenant=acme',
      'listed order; a label the alert lacks is left out; alertname is the name only',
    );
    assert.equal(
      alertSignature({ labels: { alertname: 'X', path: 'C:\\a "b"' } }, ['path']),
      'Alert: X{path="C:\\\\a \\"b\\""}',
      'quoted as PromQL quotes',
    );
    assert.notEqual(
      alertSignature({ labels, tenantId: 'acme' }, defaults),
      alertSignature({ labels, tenantId: 'globex' }, defaults),
    );
    assert.ok(alertSignature({ labels }, defaults).startsWith(alertSignaturePrefix('RedisDown')));
    assert.ok(
      !alertSignature({ labels: { ...labels, alertname: 'RedisDownSoon' } }, defaults).startsWith(
        alertSignaturePrefix('RedisDown'),
      ),
    );
  });

  it('takes the message from summary and description, else names the alert', () => {
    const names = ['alertname', 'service'];
    assert.equal(
      alertMessage({ labels, annotations: { summary: ' down ', description: 'refused' } }, names),
      'down — refused',
    );
    assert.equal(alertMessage({ labels, annotations: { description: 'refused' } }, names), 'refused');
    assert.equal(alertMessage({ labels, annotations: {} }, names), 'alert RedisDown{service="cache"} is firing');
  });

  it('keys a firing by tenant, fingerprint and start', () => {
    const firing = { fingerprint: 'c621577e2ff52202', startsAt: '2026-12-04T16:25:10Z' };
    assert.equal(alertDedupeKey(firing), 'alertmanager/-/c621577e2ff52202/2026-12-04T16:25:10Z');
    assert.notEqual(alertDedupeKey({ ...firing, tenantId: 'acme' }), alertDedupeKey({ ...firing, tenantId: 'globex' }));
    assert.notEqual(alertDedupeKey(firing), alertDedupeKey({ ...firing, startsAt: '2026-12-04T17:00:00Z' }));
  });

  it('reads BRAINOPS_ALERT_SIGNATURE_LABELS and refuses what is no label name', () => {
    assert.deepEqual(
      loadConfig({ BRAINOPS_ALERT_SIGNATURE_LABELS: ' alertname, instance ' }).errorLearning.alertSignatureLabels,
      ['alertname', 'instance'],
    );
    assert.throws(
      () => loadConfig({ BRAINOPS_ALERT_SIGNATURE_LABELS: 'alertname,bad-label' }),
      /BRAINOPS_ALERT_SIGNATURE_LABELS/,
    );
    assert.throws(() => loadConfig({ BRAINOPS_ALERT_REMEDIATIONS: '["RedisDown"]' }), /BRAINOPS_ALERT_REMEDIATIONS/);
    assert.equal(loadConfig({ BRAINOPS_ALERT_VERIFY_TIMEOUT: '90s' }).errorLearning.alertVerifyTimeoutMs, 90_000);
  });
});
