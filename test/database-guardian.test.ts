import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import type { BrainOpsConfig } from '../temporal.config';
import { findingThresholdsSchema } from '../src/contracts/guarded-database';
import type { RestoreCheck } from '../src/contracts/database-guardian';
import { connectionArgs, findPgTool } from '../src/activities/database-guardian/pg-tools';
import { dumpDatabase, verifyRestore } from '../src/activities/database-guardian/backup';
import { pgTool, serverVersion } from '../src/activities/database-guardian/support';
import { withDatabase } from '../src/domain/database-url';
import { retentionPlan } from '../src/domain/backup-retention';
import { migrationFiles } from '../src/memory';
import { createTestDatabase, testConfig, testWorker, useTestStack } from './helpers';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function guardianConfig(base: BrainOpsConfig, overrides: Partial<BrainOpsConfig['guardian']>): BrainOpsConfig {
  return { ...base, guardian: { ...base.guardian, ...overrides } };
}

describe('DatabaseGuardian (real Temporal, real PostgreSQL, real pg_dump/pg_restore)', () => {
  const stack = useTestStack();
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-backups-'));

  it('takes a backup, verifies it by restoring it, applies retention, and detects corrupt backups', async () => {
    const config = guardianConfig(testConfig(stack.db.url), { backupDir, keepDaily: 2, keepWeekly: 3 });
    for (let i = 0; i < 25; i++)
      await stack.store.entries.store(
        memoryInput.store({ key: `fact/${i}`, value: { i }, memoryType: 'knowledge', title: `fact ${i}` }),
      );

    // Older verified backups (fixed dates, all before today) and a failed one, for retention.
    const old = async (day: string, status: 'verified' | 'failed') => {
      const file = path.join(backupDir, 'memory', `old-${day}-${status}.dump`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'old');
      const b = await stack.store.databaseGuardian.recordBackup({
        databaseName: 'memory',
        filePath: file,
        status: 'taken',
        sizeBytes: 3,
        pgDumpPath: null,
        pgDumpVersion: null,
        serverVersion: null,
        rowCounts: {},
        error: null,
        workflowId: null,
        startedAt: new Date(`${day}T12:00:00Z`),
        finishedAt: new Date(`${day}T12:01:00Z`),
        dedupeKey: `test/${day}/${status}`,
      });
      await stack.store.databaseGuardian.setBackupVerification({
        id: b.id,
        ok: status === 'verified',
        verification: {},
      });
      return { id: b.id, file };
    };
    // 2026-01-05 is a Monday: the 5th, 6th and 7th share ISO week 2; the 14th is in week 3.
    const jan5 = await old('2026-01-05', 'verified');
    const jan6 = await old('2026-01-06', 'verified');
    const jan7 = await old('2026-01-07', 'verified');
    const jan14 = await old('2026-01-14', 'verified');
    const failed = await old('2026-01-15', 'failed');

    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const report = await client.backupDatabases();
      assert.deepEqual(
        report.databases.map((d) => d.database),
        ['memory'],
      );
      const outcome = report.databases[0]!.backup!;
      assert.equal(outcome.status, 'verified', outcome.error);
      assert.equal(outcome.restoreCheck?.ok, true);
      assert.equal(outcome.restoreCheck?.checksum, 'match');
      assert.equal(outcome.backup.rowCounts?.memory_entries, 25, 'counted in the dump snapshot');
      assert.equal(outcome.restoreCheck?.restoredCounts?.memory_entries, 25, 'restored into the scratch database');
      assert.equal(outcome.restoreCheck?.restoredCounts?.database_backups, outcome.backup.rowCounts?.database_backups);
      assert.match(outcome.backup.pgDumpVersion ?? '', /^15\./);
      const file = outcome.backup.filePath;
      assert.ok(file.startsWith(path.join(backupDir, 'memory')));
      assert.equal(outcome.backup.sha256, sha256(file), "the recorded checksum is the file's sha256");
      assert.equal((await stack.store.databaseGuardian.getBackup({ id: outcome.backup.id }))?.status, 'verified');

      // Retention: daily keeps today's and Jan 14; weekly (3) adds the newest of ISO week 2, Jan 7.
      assert.deepEqual(outcome.retention, { kept: 3, pruned: 3 });
      for (const kept of [jan7, jan14]) assert.ok(fs.existsSync(kept.file), `${kept.file} kept`);
      for (const gone of [jan5, jan6, failed]) {
        assert.ok(!fs.existsSync(gone.file), `${gone.file} pruned`);
        assert.equal(
          (await stack.store.databaseGuardian.getBackup({ id: gone.id }))?.status,
          'pruned',
          'the row stays, marked pruned',
        );
      }
      assert.ok(fs.existsSync(file));

      // Two restore checks of one backup at once share its scratch database: both pass.
      const both = await Promise.all([
        client.restoreCheck({ backupId: outcome.backup.id }),
        client.restoreCheck({ backupId: outcome.backup.id }),
      ]);
      assert.deepEqual(
        both.map((c) => [c.ok, c.error]),
        [
          [true, undefined],
          [true, undefined],
        ],
      );
      assert.equal((await stack.store.databaseGuardian.getBackup({ id: outcome.backup.id }))?.status, 'verified');

      // A byte flipped in the file: the restore check fails on the checksum and marks it failed.
      const bytes = fs.readFileSync(file);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle]! ^ 0xff;
      fs.writeFileSync(file, bytes);
      const corrupt = await client.restoreCheck({ backupId: outcome.backup.id });
      assert.equal(corrupt.ok, false);
      assert.equal(corrupt.checksum, 'mismatch');
      assert.match(corrupt.error ?? '', /checksum mismatch/);
      assert.equal((await stack.store.databaseGuardian.getBackup({ id: outcome.backup.id }))?.status, 'failed');

      // A truncated dump whose checksum was recorded as is: pg_restore itself fails.
      const truncated = path.join(backupDir, 'memory', 'truncated.dump');
      fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
      const t = await stack.store.databaseGuardian.recordBackup({
        databaseName: 'memory',
        filePath: truncated,
        status: 'taken',
        sizeBytes: null,
        pgDumpPath: null,
        pgDumpVersion: null,
        serverVersion: null,
        rowCounts: { memory_entries: 25 },
        error: null,
        workflowId: null,
        startedAt: new Date(),
        finishedAt: new Date(),
        dedupeKey: 'test/truncated',
      });
      await stack.store.databaseGuardian.setBackupChecksum({
        id: t.id,
        sha256: sha256(truncated),
        sizeBytes: fs.statSync(truncated).size,
      });
      const unrestorable = await client.restoreCheck({ backupId: t.id });
      assert.equal(unrestorable.ok, false);
      assert.equal(unrestorable.checksum, 'match');
      assert.match(unrestorable.error ?? '', /restore failed: pg_restore exited with 1/);
    });
    fs.rmSync(backupDir, { recursive: true, force: true });
  });

  it('refuses a pg_dump of another major version, naming both versions', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-fake-pg-'));
    fs.writeFileSync(path.join(dir, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.9"\n', { mode: 0o755 });
    await assert.rejects(
      findPgTool('pg_dump', '15.4', [dir]),
      (e: Error) =>
        e.name === 'PgToolVersionMismatch' && /server is PostgreSQL 15\.4/.test(e.message) && /14\.9/.test(e.message),
    );
    await assert.rejects(
      findPgTool('pg_dump', '15.4', [path.join(dir, 'nothing')]),
      /no pg_dump found for PostgreSQL 15\.4/,
    );
    const found = await findPgTool('pg_dump', '15.4', [dir, '/usr/bin']);
    assert.equal(found.path, '/usr/bin/pg_dump', 'the matching one is found further down the list');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a seeded slow query, a missing index, long and idle sessions and schema drift; a repeat updates, not duplicates', async () => {
    const shop = await createTestDatabase();
    const seed = new Client({ connectionString: shop.url });
    await seed.connect();
    const stall = new Client({ connectionString: shop.url, application_name: 'stalled-report' });
    const idle = new Client({ connectionString: shop.url, application_name: 'forgetful-app' });
    try {
      await seed.query(`create table orders (id serial primary key, customer int not null, note text not null)`);
      await seed.query(
        `insert into orders (customer, note) select g % 5000, md5(g::text) from generate_series(1, 60000) g`,
      );
      await seed.query('analyze orders');
      const { loaded } = (
        await seed.query<{ loaded: boolean }>(
          `select current_setting('shared_preload_libraries') ~ 'pg_stat_statements' as loaded`,
        )
      ).rows[0]!;
      if (loaded) await seed.query('create extension if not exists pg_stat_statements');
      // The missing index: lookups by customer scan the whole table.
      for (let c = 1; c <= 6; c++) await seed.query('select count(*) from orders where customer = $1', [c]);
      // The slow query: every row through md5, several times.
      for (let i = 0; i < 3; i++)
        await seed.query(`select count(*) from orders where md5(note || $1) like '%abc%'`, [String(i)]);
      await seed.query('select pg_stat_force_next_flush()');

      const config = guardianConfig(testConfig(stack.db.url), {
        databases: [
          {
            name: 'shop',
            url: shop.url,
            backup: false,
            expectedSchema: { orders: ['id', 'customer', 'note', 'total'], 'public.customers': ['id'] },
          },
        ],
        thresholds: findingThresholdsSchema.parse({
          slowQueryMeanMs: 5,
          largeTableRows: 10_000,
          minSeqScans: 5,
          longQuerySeconds: 1,
          idleInTransactionSeconds: 1,
        }),
      });
      const client = stack.client(config);
      const worker = await testWorker(stack.env, config, stack.store);
      await stall.connect();
      await idle.connect();
      await idle.query('begin');
      await idle.query('select count(*) from orders');
      const stalled = stall.query('select pg_sleep(4)').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1500));

      await worker.runUntil(async () => {
        const first = await client.databaseFindings({ databases: ['shop'] });
        const kinds = (first.databases[0]!.findings?.items ?? []).map((f) => `${f.kind}: ${f.title}`);
        assert.ok(
          kinds.some((k) => k.startsWith('seq-scan: Missing index candidate on shop: public.orders (about ')),
          kinds.join('\n'),
        );
        assert.ok(
          kinds.some((k) => k.startsWith('long-running-query: Query running on shop')),
          kinds.join('\n'),
        );
        assert.ok(
          kinds.some((k) => k.startsWith('idle-in-transaction: Session idle in transaction on shop')),
          kinds.join('\n'),
        );
        const insights = await stack.store.insights.list({ keyPrefix: 'insight/database/shop/' });
        if (loaded) {
          const slow = insights.find((i) => i.kind === 'slow-query' && /md5\(note/.test(String(i.evidence.query)));
          assert.ok(slow, `slow query found among ${insights.map((i) => i.title).join('; ')}`);
          assert.equal(slow.actionable, true);
          assert.match(slow.recommendedAction, /EXPLAIN/);
        } else {
          assert.ok(insights.some((i) => i.kind === 'pg-stat-statements-unavailable'));
        }
        const seqScan = insights.find((i) => i.key === 'insight/database/shop/seq-scan/public.orders');
        assert.equal(seqScan?.severity, 'medium');
        assert.equal(seqScan?.timesSeen, 1);
        assert.match(seqScan?.recommendedAction ?? '', /create an index/);

        await stalled;
        await idle.query('commit');
        const status = await client.databaseStatus({ databases: ['shop'] });
        const drift = status.databases[0]!.schema!.status.findings.map((f) => f.title);
        assert.deepEqual(drift.sort(), [
          'Schema drift on shop: public.orders lacks total',
          'Schema drift on shop: table public.customers is missing',
        ]);

        const second = await client.databaseFindings({ databases: ['shop'] });
        assert.ok(second.databases[0]!.findings!.resolved >= 2, 'the long query and the idle transaction ended');
        const again = await stack.store.insights.list({ keyPrefix: 'insight/database/shop/seq-scan/' });
        assert.equal(again.length, 1, 'a repeating finding is updated, not duplicated');
        assert.equal(again[0]!.timesSeen, 2);
        assert.equal(again[0]!.firstSeenAt, seqScan?.firstSeenAt);
        const ended = await stack.store.insights.list({ keyPrefix: 'insight/database/shop/long-running-query/' });
        assert.deepEqual(
          ended.map((i) => i.status),
          ['resolved'],
        );
        const driftAfter = await stack.store.insights.list({
          keyPrefix: 'insight/database/shop/schema-drift/',
          status: 'open',
        });
        assert.equal(driftAfter.length, 2, 'a findings run does not resolve schema findings');
      });
    } finally {
      await Promise.all([seed.end(), stall.end().catch(() => undefined), idle.end().catch(() => undefined)]);
      await shop.drop();
    }
  });

  it('reports pending migrations and applies them in a recorded run', async () => {
    const empty = await createTestDatabase();
    const c = new Client({ connectionString: empty.url });
    await c.connect();
    // A database that was never migrated: drop what the template brought.
    await c.query('drop schema public cascade; create schema public');
    await c.end();
    try {
      // The guarded memory database is the empty one; records go to the test store.
      const base = testConfig(stack.db.url);
      const config: BrainOpsConfig = { ...base, database: { ...base.database, url: empty.url } };
      const client = stack.client(config);
      const worker = await testWorker(stack.env, config, stack.store);
      await worker.runUntil(async () => {
        const before = await client.databaseStatus({ databases: ['memory'] });
        const m = before.databases[0]!.schema!.status.migrations!;
        assert.deepEqual(m.pending, migrationFiles());
        assert.equal(m.applied, 0);
        assert.ok(
          before.databases[0]!.schema!.status.findings.some((f) => f.kind === 'migrations' && f.severity === 'high'),
        );

        const applied = await client.databaseStatus({ databases: ['memory'], applyMigrations: true });
        const run = applied.databases[0]!.schema!.migrationRun!;
        assert.deepEqual(run.applied, migrationFiles());
        assert.equal(run.failed, null);
        assert.deepEqual(applied.databases[0]!.schema!.status.migrations!.pending, []);
        const pendingFinding = await stack.store.insights.list({ keyPrefix: 'insight/database/memory/migrations/' });
        assert.deepEqual(
          pendingFinding.map((i) => i.status),
          ['resolved'],
          'the pending-migrations finding is resolved',
        );
      });
    } finally {
      await empty.drop();
    }
  });
  it('keeps passwords off pg_dump and pg_restore command lines, wherever the URL has them', () => {
    assert.deepEqual(connectionArgs('postgres://guard:s%3Dcret@db.internal:5432/shop'), {
      dbname: 'postgres://guard@db.internal:5432/shop',
      env: { PGPASSWORD: 's=cret' },
    });
    assert.deepEqual(connectionArgs('postgres://guard@db.internal/shop?password=s3cret&sslmode=require'), {
      dbname: 'postgres://guard@db.internal/shop?sslmode=require',
      env: { PGPASSWORD: 's3cret' },
    });
    assert.deepEqual(connectionArgs('postgres://guard@db.internal/shop'), {
      dbname: 'postgres://guard@db.internal/shop',
      env: {},
    });
  });

  it('retention never prunes the newest verified backup, nor one still being verified', () => {
    const at = (day: string) => new Date(`${day}T12:00:00Z`);
    const backups = [
      { id: 1, startedAt: at('2026-01-05'), status: 'verified' as const },
      { id: 2, startedAt: at('2026-01-06'), status: 'verified' as const },
      { id: 3, startedAt: at('2026-01-07'), status: 'failed' as const },
      { id: 4, startedAt: at('2026-01-08'), status: 'taken' as const },
    ];
    const none = retentionPlan(backups, 0, 0);
    assert.deepEqual(
      none.keep.map((k) => k.id),
      [2],
      'keep 0 daily and 0 weekly still keeps the last restorable copy',
    );
    assert.deepEqual(none.prune.sort(), [1, 3]);
    assert.deepEqual(retentionPlan(backups, 1, 0).prune.sort(), [1, 3]);
  });

  it("a backup whose checksum step fails for good is that backup's failure, and retention prunes its file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-backups-'));
    const config = guardianConfig(testConfig(stack.db.url), { backupDir: dir, keepDaily: 7, keepWeekly: 4 });
    const client = stack.client(config);
    // The real activities, except that the checksum fails for good (a vanished disk, say).
    const worker = await testWorker(stack.env, config, stack.store, {
      activityInterceptors: [
        (ctx) => ({
          inbound: {
            execute: (input, next) => {
              if (ctx.info.activityType === 'checksumBackup')
                throw ApplicationFailure.nonRetryable('backup volume unreadable', 'TestDiskGone');
              return next(input);
            },
          },
        }),
      ],
    });
    try {
      await worker.runUntil(async () => {
        const before = (await stack.store.databaseGuardian.listBackups({ databaseName: 'memory', limit: 1000 })).length;
        const outcome = (await client.backupDatabases({ databases: ['memory'] })).databases[0]!.backup!;
        assert.equal(outcome.status, 'failed');
        assert.match(outcome.error ?? '', /backup volume unreadable/);
        const rows = await stack.store.databaseGuardian.listBackups({ databaseName: 'memory', limit: 1000 });
        assert.equal(rows.length, before + 1, 'one record for the one backup taken');
        const taken = rows[0]!;
        assert.equal(outcome.backup.id, taken.id, 'the failure is recorded on the backup that was taken');
        assert.ok(taken.filePath.endsWith('.dump'));
        assert.equal(taken.status, 'pruned', 'failed, then pruned by retention');
        assert.match(taken.error ?? '', /backup volume unreadable/);
        assert.ok(!fs.existsSync(taken.filePath), 'its file is removed, not left behind as a backup in progress');
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads and deletes backup files only under <backup dir>/<database>/: a row pointing elsewhere is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-backups-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-victim-'));
    const config = guardianConfig(testConfig(stack.db.url), { backupDir: dir, keepDaily: 7, keepWeekly: 4 });
    const victim = path.join(outside, 'precious.txt');
    fs.writeFileSync(victim, 'not a backup');
    fs.mkdirSync(path.join(dir, 'memory'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'memory', 'link'));
    // path.join would fold the `..` away: the row keeps it, as a hand-edited row would.
    const planted = [victim, `${dir}/memory/../../${path.basename(outside)}/precious.txt`];
    planted.push(path.join(dir, 'memory', 'link', 'precious.txt'));
    const rows: { id: number }[] = [];
    for (const [i, filePath] of planted.entries()) {
      const b = await stack.store.databaseGuardian.recordBackup({
        databaseName: 'memory',
        filePath,
        status: 'failed',
        sizeBytes: 12,
        pgDumpPath: null,
        pgDumpVersion: null,
        serverVersion: null,
        rowCounts: {},
        error: 'planted',
        workflowId: null,
        startedAt: new Date('2026-01-02T00:00:00Z'),
        finishedAt: new Date('2026-01-02T00:00:00Z'),
        dedupeKey: `test/outside/${i}`,
      });
      rows.push(b);
    }
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    try {
      await worker.runUntil(async () => {
        const outcome = (await client.backupDatabases({ databases: ['memory'] })).databases[0]!.backup!;
        assert.equal(outcome.status, 'verified', outcome.error);
        assert.ok(fs.existsSync(victim), 'the file outside the backup directory is still there');
        for (const b of rows)
          assert.equal(
            (await stack.store.databaseGuardian.getBackup({ id: b.id }))?.status,
            'failed',
            'the row is left as it was',
          );
        await assert.rejects(client.restoreCheck({ backupId: rows[0]!.id }), (error: Error) => {
          const messages: string[] = [];
          for (let e: Error | undefined = error; e; e = e.cause as Error | undefined) messages.push(e.message);
          assert.match(messages.join(' / '), /outside the backup directory/);
          return true;
        });
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('findings on PostgreSQL 15: sort order tells indexes apart, fresh relations are not bloated, sessions idle on one statement are one finding', async () => {
    const shop = await createTestDatabase();
    const seed = new Client({ connectionString: shop.url });
    const idle = [new Client({ connectionString: shop.url }), new Client({ connectionString: shop.url })];
    try {
      await seed.connect();
      await seed.query('create table items (id int primary key, a int not null, b int not null)');
      await seed.query('insert into items select g, g % 100, g from generate_series(1, 200000) g');
      await seed.query('create index items_a_b on items (a, b)');
      await seed.query('create index items_a_b_desc on items (a, b desc)');
      await seed.query('create index items_a_b_again on items (a, b)');
      await seed.query('vacuum analyze items');
      for (const c of idle) {
        await c.connect();
        await c.query('begin');
        await c.query('select count(*) from items where id < 10');
      }
      const config = guardianConfig(testConfig(stack.db.url), {
        databases: [{ name: 'shop2', url: shop.url, backup: false }],
        thresholds: findingThresholdsSchema.parse({
          bloatMinBytes: 0,
          bloatRatio: 0.12,
          idleInTransactionSeconds: 0.001,
        }),
      });
      const client = stack.client(config);
      const worker = await testWorker(stack.env, config, stack.store);
      await worker.runUntil(async () => {
        const items = async () =>
          (await client.databaseFindings({ databases: ['shop2'] })).databases[0]!.findings!.items;
        const fresh = await items();
        const titles = fresh.map((f) => `${f.kind}: ${f.title}`);
        const dups = fresh.filter((f) => f.kind === 'duplicate-index');
        assert.deepEqual(
          dups.map((f) => f.title),
          ['Duplicate indexes on shop2: items_a_b, items_a_b_again'],
          titles.join('\n'),
        );
        assert.deepEqual(
          fresh.filter((f) => /bloat/.test(f.kind)).map((f) => f.title),
          [],
          'freshly built: no bloat estimated',
        );
        const idleFindings = fresh.filter((f) => f.kind === 'idle-in-transaction');
        assert.equal(idleFindings.length, 1, titles.join('\n'));
        assert.match(idleFindings[0]!.title, /2 sessions/);

        await seed.query('delete from items where id % 2 = 0');
        await seed.query('vacuum analyze items');
        const bloated = (await items()).filter((f) => f.kind === 'table-bloat').map((f) => f.title);
        assert.equal(bloated.length, 1, 'half the rows deleted: the table is half empty');
        assert.match(bloated[0]!, /public\.items about (4|5)\d% wasted/);
      });
    } finally {
      await Promise.all([seed.end(), ...idle.map((c) => c.end().catch(() => undefined))]);
      await shop.drop();
    }
  });

  it('a role that is not a superuser backs up and restore-checks a database with pg_stat_statements (left out)', async () => {
    const admin = new Client({ connectionString: process.env.BRAINOPS_TEST_ADMIN_URL });
    await admin.connect();
    const suffix = Math.random().toString(36).slice(2, 10);
    const [role, database] = [`restorer_${suffix}`, `restorer_db_${suffix}`];
    const password = `pw-${suffix}-pw`;
    await admin.query(`create role ${role} login nosuperuser createdb password '${password}'`);
    await admin.query(`create database ${database} owner ${role}`);
    const url = new URL(withDatabase(process.env.BRAINOPS_TEST_ADMIN_URL!, database));
    [url.username, url.password] = [role, password];
    try {
      // The untrusted extension only a superuser may create, as the embedded server does.
      const asAdmin = new Client({ connectionString: withDatabase(process.env.BRAINOPS_TEST_ADMIN_URL!, database) });
      await asAdmin.connect();
      await asAdmin.query('create extension pg_stat_statements').finally(() => asAdmin.end());
      const owner = new Client({ connectionString: url.toString() });
      await owner.connect();
      await owner
        .query(
          'create extension pg_trgm; create table notes (id int primary key); insert into notes select generate_series(1, 7)',
        )
        .finally(() => owner.end());

      const server = await serverVersion(url.toString());
      const file = path.join(backupDir, 'restorer', `${suffix}.dump`);
      const result: RestoreCheck = await new MockActivityEnvironment().run(async () => {
        const dump = await dumpDatabase({
          url: url.toString(),
          file,
          pgDump: (await pgTool('pg_dump', server, undefined)).path,
        });
        return verifyRestore({
          url: url.toString(),
          file,
          scratchDatabase: `restorer_scratch_${suffix}`,
          pgRestore: (await pgTool('pg_restore', server, undefined)).path,
          expectedSha256: sha256(file),
          expectedCounts: dump.rowCounts,
        });
      });
      assert.equal(result.ok, true, result.error);
      assert.deepEqual(result.restoredCounts, { 'public.notes': 7 });
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.query(`drop database if exists restorer_scratch_${suffix} with (force)`);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });
});
