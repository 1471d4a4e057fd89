/**
 * Named (server-side prepared) statements for the search's hot queries: PostgreSQL parses each
 * text once per connection and, after a few executions, plans it once too (PostgreSQL docs,
 * "PREPARE": a generic plan replaces custom ones when it is not costlier). The name is derived
 * from the text, so equal texts share it.
 */
import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

const names = new Map<string, string>();
/** Distinct texts remembered at most; a search builds one text per combination of sources and filters. */
const MAX_NAMES = 10_000;

/** `text` with `values` as a named statement. */
export function prepared(text: string, values: unknown[]): QueryConfig {
  let name = names.get(text);
  if (!name) {
    name = `brainops_search_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (names.size < MAX_NAMES) names.set(text, name);
  }
  return { name, text, values };
}
