import type { Command } from 'commander';
import type { CliContext } from '../context';
import { idOption } from '../options';
import { printJson, printLines, printTable } from '../output';
import type { DatabaseGuardianReport } from '../../workflows/database-guardian';

/** `--database a,b` → ['a', 'b']. */
function databases(option: string | undefined): string[] | undefined {
  return option
    ? option
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

const mb = (bytes: number | null) => (bytes === null ? '' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

function printSchema(report: DatabaseGuardianReport): void {
  for (const d of report.databases) {
    const s = d.schema?.status;
    if (!s) continue;
    if (s.migrations) {
      const m = s.migrations;
      printLines(
        `${d.database}: ${m.applied} migrations applied (last ${m.lastApplied ?? 'none'}), ${m.pending.length} pending${m.failed ? `, FAILED: ${m.failed}: ${m.failedError}` : ''}`,
      );
      if (d.schema?.migrationRun)
        printLines(
          `  applied now: ${d.schema.migrationRun.applied.join(', ') || 'nothing'}${d.schema.migrationRun.error ? ` (error: ${d.schema.migrationRun.error})` : ''}`,
        );
      for (const p of m.pending) printLines(`  pending: ${p}`);
    } else if (s.drift) {
      printLines(
        `${d.database}: ${s.findings.length ? `${s.findings.length} drift finding(s)` : 'matches its declared schema'}`,
      );
    } else {
      printLines(`${d.database}: no declared schema`);
    }
    for (const f of s.findings) printLines(`  [${f.severity}] ${f.title}`);
  }
}

export function registerDatabaseCommands(program: Command, ctx: () => CliContext): void {
  const db = program
    .command('db')
    .description('DatabaseGuardian: schema, backups, restore checks, performance findings');
  db.command('status')
    .description('migration status of the memory database and drift of declared schemas')
    .option('--apply', 'apply pending migrations of the memory database (recorded)')
    .option('--database <names>', 'guarded databases, comma-separated (default: all)')
    .option('--json', 'print JSON')
    .action(async (o: { apply?: boolean; database?: string; json?: boolean }) => {
      const report = await (
        await ctx().client()
      ).databaseStatus({ databases: databases(o.database), applyMigrations: Boolean(o.apply) });
      if (o.json) return printJson(report);
      printSchema(report);
      if (
        report.databases.some(
          (d) =>
            d.schema?.status.migrations?.failed || d.schema?.status.findings.some((f) => f.severity === 'critical'),
        )
      )
        process.exitCode = 2;
    });
  db.command('backup')
    .description('take a verified backup now (pg_dump -Fc, checksum, restore check, retention)')
    .option('--database <names>', 'guarded databases, comma-separated (default: those with backups on)')
    .option('--json', 'print JSON')
    .action(async (o: { database?: string; json?: boolean }) => {
      const report = await (await ctx().client()).backupDatabases({ databases: databases(o.database) });
      if (o.json) return printJson(report);
      const rows = report.databases
        .filter((d) => d.backup)
        .map((d) => ({
          database: d.database,
          status: d.backup!.status,
          id: d.backup!.backup.id,
          size: mb(d.backup!.backup.sizeBytes),
          file: d.backup!.backup.filePath,
          pruned: d.backup!.retention?.pruned ?? 0,
          error: d.backup!.error,
        }));
      printTable(rows, ['database', 'status', 'id', 'size', 'file', 'pruned', 'error']);
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 2;
    });
  db.command('restore-check')
    .description('restore a backup into a scratch database and compare row counts')
    .option('--backup <id>', 'backup id (default: the newest backup of --database)', idOption)
    .option('--database <name>', 'guarded database (default: memory)')
    .option('--json', 'print JSON')
    .action(async (o: { backup?: number; database?: string; json?: boolean }) => {
      const check = await (await ctx().client()).restoreCheck({ backupId: o.backup, database: o.database });
      if (o.json) return printJson(check);
      printLines(
        `Backup ${check.backup.id} of ${check.backup.databaseName}: ${check.ok ? 'restorable' : 'NOT restorable'} (checksum ${check.checksum}, ${check.durationMs} ms)`,
        ...(check.error ? [`  ${check.error}`] : []),
        ...Object.entries(check.restoredCounts ?? {}).map(([t, n]) => `  ${t}: ${n} rows`),
      );
      if (!check.ok) process.exitCode = 2;
    });
  db.command('findings')
    .description('collect performance findings now (stored as insights; repeats update them)')
    .option('--database <names>', 'guarded databases, comma-separated (default: all)')
    .option('--json', 'print JSON')
    .action(async (o: { database?: string; json?: boolean }) => {
      const report = await (await ctx().client()).databaseFindings({ databases: databases(o.database) });
      if (o.json) return printJson(report);
      for (const d of report.databases) {
        printLines(
          `${d.database}: ${d.findings?.count ?? 0} finding(s)${d.findings?.resolved ? `, ${d.findings.resolved} resolved since the last run` : ''}`,
        );
        for (const f of d.findings?.items ?? [])
          printLines(`  [${f.severity}] ${f.title}`, `      → ${f.recommendedAction}`);
      }
    });
  db.command('backups')
    .description('recorded backups, newest first')
    .option('--database <name>', 'one guarded database')
    .option('--json', 'print JSON')
    .action(async (o: { database?: string; json?: boolean }) => {
      const rows = await ctx().call(ctx().api.operator.backups, { databaseName: o.database, limit: 50 });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((b) => ({
          id: b.id,
          database: b.databaseName,
          status: b.status,
          at: b.startedAt,
          size: mb(b.sizeBytes),
          file: b.filePath,
        })),
        ['id', 'database', 'status', 'at', 'size', 'file'],
      );
    });
}
