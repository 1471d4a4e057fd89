import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, databaseUrl, loadConfig, temporalAddress } from '../temporal.config';

describe('temporal.config', () => {
  it('defaults to the local dev server and the embedded PostgreSQL', () => {
    const config = loadConfig({});
    assert.equal(temporalAddress(config), '127.0.0.1:7233');
    assert.equal(config.temporal.taskQueue, 'brainops');
    assert.match(databaseUrl(config), /^postgres:\/\/postgres:postgres@127\.0\.0\.1:54329\/brainops$/);
    assert.equal(config.schedules.systemMonitorIntervalMs, 60_000);
    assert.deepEqual(config.healthTargets.map((t) => t.kind), ['postgres', 'temporal']);
  });

  it('reads production settings', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret',
      DATABASE_URL: 'postgresql://u:p@db:5432/brainops',
      BRAINOPS_MONITOR_INTERVAL: '5 minutes',
      BRAINOPS_HEALTH_TARGETS: '[{"kind":"tcp","name":"redis","host":"127.0.0.1","port":6379}]',
    });
    assert.equal(config.temporal.tls, true, 'an API key implies TLS');
    assert.equal(databaseUrl(config), 'postgresql://u:p@db:5432/brainops');
    assert.equal(config.schedules.systemMonitorIntervalMs, 300_000);
    assert.deepEqual(config.healthTargets, [{ kind: 'tcp', name: 'redis', host: '127.0.0.1', port: 6379, timeoutMs: 5000 }]);
  });

  it('names every bad variable and what it expected', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://x', TEMPORAL_DEV_SERVER_PORT: '99999', TEMPORAL_TLS: 'maybe', BRAINOPS_HEALTH_TARGETS: '{oops' }),
      (e) =>
        e instanceof ConfigError &&
        /DATABASE_URL: expected a postgres:\/\/ URL/.test(e.message) &&
        /TEMPORAL_DEV_SERVER_PORT/.test(e.message) &&
        /TEMPORAL_TLS: expected true or false/.test(e.message) &&
        /BRAINOPS_HEALTH_TARGETS: not valid JSON/.test(e.message),
    );
  });
});
