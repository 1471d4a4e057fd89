/**
 * Schema drift of a declared database: the tables and columns its declaration
 * (`expectedSchema` in `BRAINOPS_DATABASES`) says it must have, against `information_schema`.
 * Only what is declared is checked: extra tables are not drift, extra columns are reported as
 * `info` (the declaration may be behind).
 */
import type { ClientBase } from 'pg';
import type { Finding, SchemaDrift } from '../../contracts/database-guardian';

function qualify(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

/** Compares the declaration with the database's columns. */
export async function checkSchemaDrift(db: ClientBase, expected: Record<string, string[]>): Promise<SchemaDrift> {
  const tables = Object.keys(expected).map(qualify);
  const result = await db.query<{ tbl: string; column_name: string }>(
    `select table_schema || '.' || table_name as tbl, column_name from information_schema.columns
     where table_schema || '.' || table_name = any($1::text[]) order by 1, ordinal_position`,
    [tables],
  );
  const actual = new Map<string, Set<string>>();
  for (const row of result.rows) {
    if (!actual.has(row.tbl)) actual.set(row.tbl, new Set());
    actual.get(row.tbl)!.add(row.column_name);
  }
  const drift: SchemaDrift = { missingTables: [], missingColumns: [], extraColumns: [] };
  for (const [declared, columns] of Object.entries(expected)) {
    const table = qualify(declared);
    const present = actual.get(table);
    if (!present) {
      drift.missingTables.push(table);
      continue;
    }
    for (const column of columns) if (!present.has(column)) drift.missingColumns.push({ table, column });
    for (const column of present) if (!columns.includes(column)) drift.extraColumns.push({ table, column });
  }
  return drift;
}

/** Drift as findings: one per missing table (critical), table with missing columns (high) and table with extra columns (info). */
export function driftFindings(database: string, drift: SchemaDrift): Finding[] {
  const findings: Finding[] = drift.missingTables.map((table) => ({
    kind: 'schema-drift',
    object: `${table}/missing-table`,
    subject: database,
    severity: 'critical',
    title: `Schema drift on ${database}: table ${table} is missing`,
    detail: `The declared schema has ${table}; the database does not.`,
    recommendedAction: `apply the migration that creates ${table} on ${database}, or fix the declaration`,
    actionable: true,
    evidence: { table },
  }));
  const byTable = (list: SchemaDrift['missingColumns']) => {
    const grouped = new Map<string, string[]>();
    for (const { table, column } of list) grouped.set(table, [...(grouped.get(table) ?? []), column]);
    return [...grouped].map(([table, columns]) => ({ table, columns }));
  };
  const columnFindings = [
    {
      list: drift.missingColumns,
      object: 'missing-columns',
      severity: 'high',
      actionable: true,
      title: (t: string, c: string) => `${t} lacks ${c}`,
      detail: (t: string, c: string) => `Declared columns missing from ${t}: ${c}.`,
      action: (t: string) => `apply the pending migration for ${t} on ${database}, or fix the declaration`,
      evidence: 'missingColumns',
    },
    {
      list: drift.extraColumns,
      object: 'extra-columns',
      severity: 'info',
      actionable: false,
      title: (t: string, c: string) => `${t} has undeclared columns ${c}`,
      detail: (t: string, c: string) => `Columns of ${t} the declaration does not list: ${c}.`,
      action: () => 'add them to the declared schema if they are meant to stay',
      evidence: 'extraColumns',
    },
  ] as const;
  for (const kind of columnFindings) {
    for (const { table, columns } of byTable(kind.list)) {
      findings.push({
        kind: 'schema-drift',
        object: `${table}/${kind.object}`,
        subject: database,
        severity: kind.severity,
        title: `Schema drift on ${database}: ${kind.title(table, columns.join(', '))}`,
        detail: kind.detail(table, columns.join(', ')),
        recommendedAction: kind.action(table),
        actionable: kind.actionable,
        evidence: { table, [kind.evidence]: columns },
      });
    }
  }
  return findings;
}
