/**
 * Pseudo-relevance feedback (Lavrenko and Croft's relevance model, "RM3"): the best few lexical
 * hits of a query are probably relevant, so the words they share say what the query is about in
 * the collection's own terms. Those words join the query with a small weight, and a second BM25
 * pass finds documents that use them instead of the asker's words.
 */
import type { Queryable } from '../entries';
import { parseMessageKey } from './filters';
import type { QueryTerm } from './lexical';

/** Message keys as the three columns of their primary key, for `unnest`. */
function messageKeyColumns(keys: string[]): [string[], string[], number[]] {
  const parts = keys.map(parseMessageKey);
  return [parts.map((p) => p.tenantId), parts.map((p) => p.sessionId), parts.map((p) => p.seq)];
}

/** Hits taken as relevant. */
const FEEDBACK_DOCUMENTS = 5;
/** Words added to the query. */
const EXPANSION_TERMS = 5;
/** Weight of the added words, against 1 for the query's own. */
const EXPANSION_WEIGHT = 0.3;
/** Words in more than this share of documents say too little to add. */
const MAX_FREQUENCY = 0.05;

/**
 * The query's terms plus the words the best hits share: each word weighs the sum, over the
 * feedback documents, of its share of the document's words times the document's normalised score.
 */
export async function expandQuery(
  db: Queryable,
  table: 'memory_entries' | 'session_messages',
  terms: QueryTerm[],
  best: { key: string; score: number }[],
  frequencies: Map<string, number>,
): Promise<QueryTerm[]> {
  const feedback = best.slice(0, FEEDBACK_DOCUMENTS);
  const top = feedback[0]?.score ?? 0;
  if (top <= 0) return terms;
  const keys = feedback.map((b) => b.key);
  const rows =
    table === 'memory_entries'
      ? await db.query<{ key: string; lexeme: string; tf: number; dl: number }>(
          `select 'e:' || m.id::text as key, u.lexeme, coalesce(array_length(u.positions, 1), 1) as tf,
             length(m.search_vector) as dl
           from memory_entries m, unnest(m.search_vector) u where m.id = any($1::uuid[])`,
          [keys.map((k) => k.slice(2))],
        )
      : await db.query<{ key: string; lexeme: string; tf: number; dl: number }>(
          `select 'm:' || m.tenant_id || '/' || m.session_id || '/' || m.seq as key, u.lexeme,
             coalesce(array_length(u.positions, 1), 1) as tf, length(m.search_vector) as dl
           from session_messages m, unnest(m.search_vector) u
           where (m.tenant_id, m.session_id, m.seq) in (select * from unnest($1::text[], $2::text[], $3::bigint[]))`,
          messageKeyColumns(keys),
        );
  const scoreOf = new Map(feedback.map((b) => [b.key, b.score / top]));
  const own = new Set(terms.map((t) => t.lexeme));
  const weights = new Map<string, number>();
  for (const r of rows.rows) {
    if (own.has(r.lexeme) || (frequencies.get(r.lexeme) ?? 0) > MAX_FREQUENCY || r.lexeme.length < 3) continue;
    weights.set(r.lexeme, (weights.get(r.lexeme) ?? 0) + (r.tf / Math.max(1, r.dl)) * (scoreOf.get(r.key) ?? 0));
  }
  const added = [...weights.entries()].sort((a, b) => b[1] - a[1]).slice(0, EXPANSION_TERMS);
  const max = added[0]?.[1] ?? 0;
  if (max <= 0) return terms;
  return [
    ...terms,
    ...added.map(([lexeme, w]) => ({
      lexeme,
      frequency: frequencies.get(lexeme) ?? 0,
      weight: EXPANSION_WEIGHT * (w / max),
    })),
  ];
}
