/** The configuration: defaults, production settings, errors naming the variable, and the table of docs/configuration.md. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError,
  configuredSecrets,
  databaseUrl,
  envSchema,
  loadConfig,
  temporalAddress,
} from '../temporal.config';

describe('temporal.config', () => {
  it('defaults to the local dev server and the embedded PostgreSQL', () => {
    const config = loadConfig({});
    assert.equal(temporalAddress(config), '127.0.0.1:7233');
    assert.equal(config.temporal.taskQueue, 'brainops');
    assert.equal(config.schedules.systemMonitorIntervalMs, 60_000);
    assert.deepEqual(
      config.healthTargets.map((t) => t.kind),
      ['postgres', 'temporal'],
    );
  });

  it('connects to the embedded PostgreSQL as brainops, with the password its first start generated', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-config-test-'));
    try {
      const config = loadConfig({ BRAINOPS_DATA_DIR: dataDir });
      const file = path.join(dataDir, 'postgres-password');
      assert.throws(
        () => databaseUrl(config),
        new RegExp(`no password for the embedded PostgreSQL in ${file} \\(ENOENT\\)`),
      );
      assert.deepEqual(configuredSecrets(config, {}), [], 'nothing to redact yet, and no error');
      fs.writeFileSync(file, 'gener@ted/pw\n', { mode: 0o600 });
      assert.equal(databaseUrl(config), 'postgres://brainops:gener%40ted%2Fpw@127.0.0.1:54329/brainops');
      assert.deepEqual(configuredSecrets(config, {}), ['gener@ted/pw']);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
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
    assert.deepEqual(config.healthTargets, [
      { kind: 'tcp', name: 'redis', host: '127.0.0.1', port: 6379, timeoutMs: 5000 },
    ]);
  });

  it('names every bad variable and what it expected', () => {
    assert.throws(
      () =>
        loadConfig({
          DATABASE_URL: 'mysql://x',
          TEMPORAL_DEV_SERVER_PORT: '99999',
          TEMPORAL_TLS: 'maybe',
          BRAINOPS_HEALTH_TARGETS: '{oops',
        }),
      (e) =>
        e instanceof ConfigError &&
        /DATABASE_URL: expected a postgres:\/\/ URL/.test(e.message) &&
        /TEMPORAL_DEV_SERVER_PORT/.test(e.message) &&
        /TEMPORAL_TLS: expected true or false/.test(e.message) &&
        /BRAINOPS_HEALTH_TARGETS: not valid JSON/.test(e.message),
    );
  });
});

describe('temporal.config: DatabaseGuardian settings', () => {
  it('defaults: the memory database only, backups under the data directory, 7 daily and 4 weekly kept', () => {
    const config = loadConfig({ BRAINOPS_DATA_DIR: '/var/lib/brainops' });
    assert.deepEqual(config.guardian.databases, []);
    assert.equal(config.guardian.backupDir, '/var/lib/brainops/backups');
    assert.equal(config.guardian.keepDaily, 7);
    assert.equal(config.guardian.keepWeekly, 4);
    assert.equal(config.schedules.backupCron, '0 3 * * *');
    assert.equal(config.schedules.findingsIntervalMs, 3_600_000);
    assert.equal(config.guardian.thresholds.slowQueryMeanMs, 100);
  });

  it('reads declared databases and thresholds', () => {
    const config = loadConfig({
      BRAINOPS_DATABASES:
        '[{"name":"shop","url":"postgres://u@db/shop","expectedSchema":{"public.orders":["id","total"]},"backup":false}]',
      BRAINOPS_FINDING_THRESHOLDS: '{"slowQueryMeanMs":250}',
      BRAINOPS_BACKUP_CRON: '30 2 * * 1-5',
    });
    assert.deepEqual(config.guardian.databases, [
      {
        name: 'shop',
        url: 'postgres://u@db/shop',
        expectedSchema: { 'public.orders': ['id', 'total'] },
        backup: false,
      },
    ]);
    assert.equal(config.guardian.thresholds.slowQueryMeanMs, 250);
    assert.equal(config.guardian.thresholds.largeTableRows, 10_000, 'the others keep their defaults');
    assert.equal(config.schedules.backupCron, '30 2 * * 1-5');
  });

  it('rejects bad guardian configuration with messages naming the field', () => {
    const rejects = (env: Record<string, string>, pattern: RegExp) =>
      assert.throws(
        () => loadConfig(env),
        (e) => e instanceof ConfigError && pattern.test(e.message),
        `${JSON.stringify(env)} → ${pattern}`,
      );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"shop","url":"mysql://db/shop"}]' },
      /BRAINOPS_DATABASES\.0\.url: expected a postgres:\/\/ URL/,
    );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"memory","url":"postgres://db/x"}]' },
      /BRAINOPS_DATABASES\.0\.name: "memory" is the memory database's name/,
    );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"a","url":"postgres://db/a"},{"name":"a","url":"postgres://db/b"}]' },
      /BRAINOPS_DATABASES\.1\.name: duplicate database name "a"/,
    );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"Shop DB","url":"postgres://db/x"}]' },
      /BRAINOPS_DATABASES\.0\.name: expected 1-63 lower-case letters/,
    );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"shop","url":"postgres://db/x","expectedSchema":{"orders; drop":["id"]}}]' },
      /BRAINOPS_DATABASES\.0\.expectedSchema\.orders; drop: Invalid key/,
    );
    rejects(
      { BRAINOPS_DATABASES: '[{"name":"shop","url":"postgres://db/x","replicas":2}]' },
      /BRAINOPS_DATABASES\.0: Unrecognized key.*replicas/,
    );
    rejects({ BRAINOPS_BACKUP_KEEP_DAILY: '0', BRAINOPS_BACKUP_KEEP_WEEKLY: '0' }, /keep at least one backup/);
    rejects({ BRAINOPS_BACKUP_KEEP_DAILY: '-1' }, /BRAINOPS_BACKUP_KEEP_DAILY/);
    rejects({ BRAINOPS_BACKUP_CRON: 'every night' }, /BRAINOPS_BACKUP_CRON: expected a five-field cron expression/);
    rejects({ BRAINOPS_FINDINGS_INTERVAL: 'often' }, /BRAINOPS_FINDINGS_INTERVAL: expected a duration/);
    rejects(
      { BRAINOPS_FINDING_THRESHOLDS: '{"slowQueryMs":5}' },
      /BRAINOPS_FINDING_THRESHOLDS: Unrecognized key.*slowQueryMs/,
    );
    rejects({ BRAINOPS_FINDING_THRESHOLDS: '{"cacheHitRatio":2}' }, /BRAINOPS_FINDING_THRESHOLDS\.cacheHitRatio/);
  });
});

describe('temporal.config: API settings', () => {
  it('keeps access-log rows 30 days unless told; 0 keeps them forever; anything else is an error naming the variable', () => {
    assert.equal(loadConfig({}).api.accessLogDays, 30);
    assert.equal(loadConfig({ BRAINOPS_API_ACCESS_LOG_DAYS: '0' }).api.accessLogDays, 0);
    assert.equal(loadConfig({ BRAINOPS_API_ACCESS_LOG_DAYS: '90' }).api.accessLogDays, 90);
    for (const bad of ['-1', '1.5', 'a month', ' ', '1e3']) {
      assert.throws(
        () => loadConfig({ BRAINOPS_API_ACCESS_LOG_DAYS: bad }),
        (e) =>
          e instanceof ConfigError &&
          /BRAINOPS_API_ACCESS_LOG_DAYS: expected a whole number of days, 0 or more/.test(e.message),
        JSON.stringify(bad),
      );
    }
    assert.throws(
      () => loadConfig({ BRAINOPS_API_ACCESS_LOG_DAYS: '99999' }),
      /BRAINOPS_API_ACCESS_LOG_DAYS: at most 36500 days/,
    );
  });
});

describe('temporal.config: docs/configuration.md documents every variable', () => {
  it('lists exactly the variables of envSchema in its table of variables', () => {
    const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'configuration.md'), 'utf8');
    const start = page.indexOf('\n## Variables\n');
    assert.ok(start >= 0, 'docs/configuration.md has a "## Variables" section');
    const section = page.slice(start + 1);
    const end = section.indexOf('\n#', 1);
    const table = end < 0 ? section : section.slice(0, end);
    const documented = new Set(
      table
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
    );
    const declared = new Set(Object.keys(envSchema.shape));
    assert.ok(declared.size > 30, `${declared.size} variables declared`);
    assert.deepEqual(
      [...declared].filter((v) => !documented.has(v)),
      [],
      'declared but not documented',
    );
    assert.deepEqual(
      [...documented].filter((v) => !declared.has(v)),
      [],
      'documented but not declared',
    );
  });
});
