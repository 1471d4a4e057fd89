/**
 * What DatabaseGuardian's activities share: backup rows as workflows see them, heartbeats, the
 * server's version and the pg_dump/pg_restore that matches it.
 */
import { Context } from '@temporalio/activity';
import type { BackupRecord, BackupSummary } from '../../contracts/database-guardian';
import { candidateDirs, findPgTool, majorOf, type PgProgram, type PgTool } from './pg-tools';
import { withConnection } from './targets';

/** A backup row without what a workflow does not need (its pg_dump path, verification details). */
export function summary(b: BackupRecord): BackupSummary {
  return {
    id: b.id,
    databaseName: b.databaseName,
    filePath: b.filePath,
    status: b.status,
    sizeBytes: b.sizeBytes,
    sha256: b.sha256,
    pgDumpVersion: b.pgDumpVersion,
    serverVersion: b.serverVersion,
    rowCounts: b.rowCounts,
    error: b.error,
  };
}

export function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/** The server's version: `server_version` as text and `server_version_num`. */
export async function serverVersion(url: string): Promise<{ text: string; num: number }> {
  return withConnection(url, async (c) => {
    const r = await c.query<{ text: string; num: string }>(
      "select current_setting('server_version') as text, current_setting('server_version_num') as num",
    );
    return { text: r.rows[0]!.text, num: Number(r.rows[0]!.num) };
  });
}

/** The `program` (pg_dump or pg_restore) of the server's major version, looked for in `binDir` first. */
export async function pgTool(
  program: PgProgram,
  server: { text: string; num: number },
  binDir: string | undefined,
): Promise<PgTool> {
  return findPgTool(program, server.text, candidateDirs(majorOf(server.num), { binDir }));
}
