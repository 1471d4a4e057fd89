/**
 * Quoting of PostgreSQL identifiers for the few statements that cannot take them as parameters
 * (`create database`, `drop database`, table names in counts).
 */

/** Quotes a PostgreSQL identifier: `a"b` → `"a""b"` (PostgreSQL docs, "Identifiers and Key Words"). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
