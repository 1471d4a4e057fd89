/**
 * Backups of one database: `pg_dump -Fc` of a snapshot whose main-table row counts are taken in
 * the same snapshot (exported with `pg_export_snapshot()` and handed to `pg_dump --snapshot`), a
 * sha256 of the file, and a restore check that restores the file into a scratch database on the
 * same server with `pg_restore` and compares the row counts. A backup that cannot be restored, or
 * restores different counts, has failed.
 */
import type { RestoreCheck } from '../../contracts/database-guardian';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type ClientBase } from 'pg';
import { quoteIdent } from '../../domain/sql-identifier';
import { withDatabase } from '../../domain/database-url';
import { connectionArgs, runProgram } from './pg-tools';

/** `schema.table` or `table`, quoted part by part. */
export function quoteTable(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

/** The declared main tables, or the 10 largest user tables by estimated rows. */
export async function mainTablesOf(db: ClientBase, declared?: string[]): Promise<string[]> {
  if (declared?.length) return declared;
  const result = await db.query<{ name: string }>(
    `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relispartition and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
     order by c.reltuples desc, c.relpages desc, 1 limit 10`,
  );
  return result.rows.map((r) => r.name);
}

/** Exact row counts of `tables`, in one query. */
export async function countRows(db: ClientBase, tables: string[]): Promise<Record<string, number>> {
  if (tables.length === 0) return {};
  const result = await db.query<Record<string, string>>(
    `select ${tables.map((t, i) => `(select count(*) from ${quoteTable(t)}) as c${i}`).join(', ')}`,
  );
  const row = result.rows[0]!;
  return Object.fromEntries(tables.map((t, i) => [t, Number(row[`c${i}`])]));
}

export interface DumpResult {
  sizeBytes: number;
  rowCounts: Record<string, number>;
  serverVersion: string;
}

/**
 * Dumps the database at `url` to `file` (custom format) and counts `mainTables` in the same
 * snapshot. Writes to `<file>.partial` and renames on success, so a file at `file` is complete.
 * @throws Error with pg_dump's message when it fails.
 */
export async function dumpDatabase(opts: {
  url: string;
  file: string;
  pgDump: string;
  mainTables?: string[];
  onTick?: () => void;
}): Promise<DumpResult> {
  fs.mkdirSync(path.dirname(opts.file), { recursive: true });
  const partial = `${opts.file}.partial`;
  const client = new Client({ connectionString: opts.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const snapshot = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]!.id;
    const serverVersion = (await client.query<{ v: string }>('show server_version')).rows[0]!.v;
    const rowCounts = await countRows(client, await mainTablesOf(client, opts.mainTables));
    const { dbname, env } = connectionArgs(opts.url);
    await runProgram(
      opts.pgDump,
      ['--format=custom', '--no-password', `--snapshot=${snapshot}`, `--file=${partial}`, `--dbname=${dbname}`],
      {
        env,
        onTick: opts.onTick,
      },
    );
    await client.query('commit');
    fs.renameSync(partial, opts.file);
    return { sizeBytes: fs.statSync(opts.file).size, rowCounts, serverVersion };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** sha256 of a file, hex; `onTick` is called every 64 MiB read. */
export async function sha256File(file: string, onTick?: () => void): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let size = 0;
  let sinceTick = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    sinceTick += (chunk as Buffer).length;
    if (sinceTick >= 64 << 20) {
      sinceTick = 0;
      onTick?.();
    }
  }
  return { sha256: hash.digest('hex'), sizeBytes: size };
}

/**
 * Verifies `file`: checksum against `expectedSha256`, then `pg_restore` into a scratch database
 * created on the server of `url` (dropped afterwards), then the row counts of the tables in
 * `expectedCounts`. Never throws for a bad backup: that is a result with `ok: false`.
 */
export async function verifyRestore(opts: {
  url: string;
  file: string;
  scratchDatabase: string;
  pgRestore: string;
  expectedSha256: string | null;
  expectedCounts: Record<string, number>;
  onTick?: () => void;
}): Promise<RestoreCheck> {
  const started = Date.now();
  const base = { scratchDatabase: opts.scratchDatabase };
  const done = (r: Omit<RestoreCheck, 'durationMs' | 'scratchDatabase'>): RestoreCheck => ({
    ...base,
    ...r,
    durationMs: Date.now() - started,
  });
  if (!fs.existsSync(opts.file))
    return done({ ok: false, checksum: 'not recorded', error: `backup file ${opts.file} is missing` });
  let checksum: RestoreCheck['checksum'] = 'not recorded';
  if (opts.expectedSha256) {
    const actual = await sha256File(opts.file, opts.onTick);
    checksum = actual.sha256 === opts.expectedSha256 ? 'match' : 'mismatch';
    if (checksum === 'mismatch') {
      return done({
        ok: false,
        checksum,
        error: `checksum mismatch: recorded sha256 ${opts.expectedSha256.slice(0, 16)}…, file has ${actual.sha256.slice(0, 16)}… (the file changed or is corrupt)`,
      });
    }
  }
  const admin = new Client({ connectionString: opts.url });
  admin.on('error', () => undefined);
  await admin.connect();
  const scratch = quoteIdent(opts.scratchDatabase);
  try {
    // Two checks of one backup share its scratch database: the second waits (session-level
    // advisory lock, released when this connection ends) rather than drop the first's mid-check.
    while (
      !(await admin.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [opts.scratchDatabase]))
        .rows[0]!.ok
    ) {
      opts.onTick?.();
      await new Promise((r) => setTimeout(r, 1000));
    }
    await admin.query(`drop database if exists ${scratch} with (force)`);
    await admin.query(`create database ${scratch} template template0`);
    const scratchUrl = withDatabase(opts.url, opts.scratchDatabase);
    const { dbname, env } = connectionArgs(scratchUrl);
    const skipped = await superuserOnlyExtensions(admin);
    const listDir = skipped.length ? fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-restore-')) : undefined;
    try {
      const useList = listDir ? [`--use-list=${await restoreList(opts.pgRestore, opts.file, listDir, skipped)}`] : [];
      await runProgram(
        opts.pgRestore,
        [
          '--exit-on-error',
          '--no-owner',
          '--no-privileges',
          '--no-password',
          ...useList,
          `--dbname=${dbname}`,
          '--',
          opts.file,
        ],
        { env, onTick: opts.onTick },
      );
    } catch (error) {
      const note = skipped.length
        ? ` (left out, as only a superuser may create them: extensions ${skipped.join(', ')})`
        : '';
      return done({ ok: false, checksum, error: `restore failed: ${(error as Error).message}${note}` });
    } finally {
      if (listDir) fs.rmSync(listDir, { recursive: true, force: true });
    }
    const restored = new Client({ connectionString: scratchUrl });
    restored.on('error', () => undefined);
    await restored.connect();
    let restoredCounts: Record<string, number>;
    try {
      restoredCounts = {};
      for (const table of Object.keys(opts.expectedCounts)) {
        try {
          Object.assign(restoredCounts, await countRows(restored, [table]));
        } catch {
          // A table the restore did not bring back is a mismatch, reported below.
        }
      }
    } finally {
      await restored.end().catch(() => undefined);
    }
    const mismatches = Object.entries(opts.expectedCounts)
      .filter(([table, expected]) => restoredCounts[table] !== expected)
      .map(([table, expected]) => ({ table, expected, restored: restoredCounts[table] ?? null }));
    return done({
      ok: mismatches.length === 0,
      checksum,
      restoredCounts,
      mismatches,
      ...(mismatches.length
        ? {
            error: `restored row counts differ: ${mismatches.map((m) => `${m.table} ${m.restored ?? 'missing'} ≠ ${m.expected}`).join(', ')}`,
          }
        : {}),
    });
  } finally {
    await admin.query(`drop database if exists ${scratch} with (force)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

/**
 * Extensions the connecting role may not create: none for a superuser, else the untrusted ones
 * (e.g. pg_stat_statements, which the embedded server installs for DatabaseGuardian). A restore
 * as such a role leaves them out rather than fail on them.
 */
async function superuserOnlyExtensions(db: ClientBase): Promise<string[]> {
  const result = await db.query<{ name: string }>(
    `select distinct name from pg_available_extension_versions
     where superuser and not trusted and not (select rolsuper from pg_roles where rolname = current_user)
     order by name`,
  );
  return result.rows.map((r) => r.name);
}

/** A `pg_restore --use-list` file in `dir`: the dump's table of contents without `skipped` extensions. */
async function restoreList(pgRestore: string, file: string, dir: string, skipped: string[]): Promise<string> {
  const list = path.join(dir, 'restore.list');
  await runProgram(pgRestore, ['--list', `--file=${list}`, '--', file], {});
  // Entries read `<id>; <oid> <oid> EXTENSION - <name> <owner>` and `… COMMENT - EXTENSION <name> <owner>`.
  const extension = /^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )(\S+)/;
  const kept = fs
    .readFileSync(list, 'utf8')
    .split('\n')
    .filter((line) => !skipped.includes(extension.exec(line)?.[1] ?? ''));
  fs.writeFileSync(list, kept.join('\n'));
  return list;
}
