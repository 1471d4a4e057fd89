/**
 * Lexical retrieval, the parts shared by every collection and the ranking of collections past
 * exact ranking (`EXACT_UP_TO`; smaller ones are ranked by `./exact.ts`): candidates that hold
 * any word of the query, ranked by BM25 (Robertson and Zaragoza, "The Probabilistic Relevance
 * Framework: BM25 and Beyond") over PostgreSQL's full-text vectors: idf from the share of
 * candidates holding each word, term frequency from the word's positions, length-normalised by
 * the collection's mean vector length. `websearch` mode ranks PostgreSQL's own syntax with
 * `ts_rank_cd` instead (PostgreSQL docs, "Controlling Text Search").
 */
import type { Queryable } from '../entries';
import { Conditions } from '../conditions';
import {
  ENTRY_KEY_SQL,
  entryFilters,
  entryParts,
  MESSAGE_KEY_SQL,
  messageFilters,
  type EntryPart,
  type SearchInput,
} from './filters';
import type { Scored } from '../../domain/search-fusion';

/** BM25's term-frequency saturation and length normalisation; memory texts are short, so b is low. */
export const K1 = 1.2;
export const B = 0.5;

/** Size and mean vector length (lexemes) of the collection a search ranks within. */
export interface CollectionStats {
  documents: number;
  meanLength: number;
}

/** One source of documents: its table, key, filters and full-text vector. */
export interface Source {
  /** The table, aliased `m`. */
  table: string;
  /** The table with what the filters of `input` need (aliased `m`). */
  from(input: SearchInput): string;
  key: string;
  /** The parts a search's documents fall into, each found by its own index scan. */
  parts(input: SearchInput): EntryPart[];
  filter(where: Conditions, input: SearchInput, part?: EntryPart): void;
}

export const ENTRY_SOURCE: Source = {
  table: 'memory_entries',
  from: () => 'memory_entries m',
  key: ENTRY_KEY_SQL,
  parts: entryParts,
  filter: entryFilters,
};
export const MESSAGE_SOURCE: Source = {
  table: 'session_messages',
  // The session is joined only for its user, the one filter a message does not carry itself.
  from: (input) =>
    input.userId
      ? 'session_messages m join sessions s on s.tenant_id = m.tenant_id and s.session_id = m.session_id'
      : 'session_messages m',
  key: MESSAGE_KEY_SQL,
  parts: () => ['all'],
  filter: messageFilters,
};

/**
 * `lexemes` as a tsquery matching any of them, as text for a `$n::tsquery` parameter: a constant
 * the planner can look up in the column's statistics, so it knows how many rows a word matches
 * (PostgreSQL docs, "tsquery": a quoted lexeme, `''` for a quote, `\\` for a backslash).
 */
export function anyOf(lexemes: string[]): string {
  return lexemes.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}

/**
 * A collection this small is ranked exactly: every document holding any query word is scored.
 * Beyond it, a word in a large share of the documents (little idf) scores the candidates that the
 * selective words found but gathers none of its own, up to `CANDIDATE_BUDGET` expected documents
 * (the "max-score" pruning of search engines), and at most that many documents are read when even
 * the most selective word is that common: such a word hardly tells documents apart.
 */
export const EXACT_UP_TO = 5_000;
const CANDIDATE_BUDGET = 500;

/**
 * Past exact ranking, gathering words that together are expected in at least this share of the
 * documents are matched row by row instead of through the index (`CANDIDATE_BUDGET` / 0.2 rows
 * read at most, in the expected case, against a posting list of a fifth of the table).
 */
const DENSE_SHARE = 0.2;

/** The expected share of documents holding any of `terms`, taking the words as independent. */
function matchedShare(terms: QueryTerm[]): number {
  return 1 - terms.reduce((none, t) => none * (1 - t.frequency), 1);
}

/** A query word with the share of documents that hold it (0 when too rare for the statistics). */
export interface QueryTerm {
  lexeme: string;
  frequency: number;
  /** How much the word counts (1 for the query's own words). @defaultValue 1 */
  weight?: number;
}

/**
 * The share of documents holding each frequent lexeme of `table`'s full-text vectors, from the
 * planner's statistics (`pg_stats.most_common_elems` of a tsvector column; PostgreSQL docs,
 * "pg_stats"). Empty until the table is analysed.
 */
export async function lexemeFrequencies(
  db: Queryable,
  table: 'memory_entries' | 'session_messages',
): Promise<Map<string, number>> {
  const result = await db.query<{ elems: string[] | null; freqs: number[] | null }>(
    `select most_common_elems::text::text[] as elems, most_common_elem_freqs as freqs
     from pg_stats where schemaname = current_schema() and tablename = $1 and attname = 'search_vector'`,
    [table],
  );
  const row = result.rows[0];
  const frequencies = new Map<string, number>();
  row?.elems?.forEach((lexeme, i) => frequencies.set(lexeme, row.freqs?.[i] ?? 0));
  return frequencies;
}

/**
 * Splits the query's words into those that gather candidates (all of them in a small collection;
 * otherwise the most selective, up to `CANDIDATE_BUDGET` expected documents, at least one) and
 * those that only score them.
 */
export function candidateTerms(terms: QueryTerm[], documents: number): { gather: QueryTerm[]; score: QueryTerm[] } {
  if (documents <= EXACT_UP_TO) return { gather: terms, score: [] };
  const bySelectivity = [...terms].sort((a, b) => a.frequency - b.frequency);
  const gather: QueryTerm[] = [];
  let expected = 0;
  for (const term of bySelectivity) {
    expected += term.frequency * documents;
    if (gather.length > 0 && expected > CANDIDATE_BUDGET) break;
    gather.push(term);
  }
  return { gather, score: bySelectivity.slice(gather.length) };
}

/**
 * The best `limit` candidates of `source` by BM25 for the query's `terms`. Document frequencies
 * are counted among the candidates for the words that gathered them (every document holding such
 * a word is a candidate, so the count is exact unless the scan was capped) and estimated from the
 * statistics for the others; the larger of count and estimate is taken.
 */
export async function bm25(
  db: Queryable,
  source: Source,
  input: SearchInput,
  stats: CollectionStats,
  terms: QueryTerm[],
  limit: number,
): Promise<Scored> {
  if (terms.length === 0) return [];
  const { gather, score } = candidateTerms(terms, stats.documents);
  const base = new Conditions(
    score.map((t) => t.lexeme),
    score.map((t) => t.frequency * stats.documents),
    gather.map((t) => t.lexeme),
    gather.map((t) => t.frequency * stats.documents),
    gather.map((t) => t.weight ?? 1),
    score.map((t) => t.weight ?? 1),
    anyOf(gather.map((t) => t.lexeme)),
  );
  // Each part (a tenant's own entries, shared knowledge) is gathered by its own index scan, and
  // past exact ranking the parts share the budget.
  const parts = source.parts(input);
  const cap = stats.documents <= EXACT_UP_TO ? EXACT_UP_TO : Math.ceil(CANDIDATE_BUDGET / parts.length);
  // When the gathering words are in a large share of the documents an index finds no fewer rows
  // than reading them in turn until the budget is full, and costs a scan of every posting.
  const dense = stats.documents > EXACT_UP_TO && matchedShare(gather) >= DENSE_SHARE;
  const match = dense ? 'ts_match_vq(m.search_vector, $7::tsquery)' : 'm.search_vector @@ $7::tsquery';
  let params = base.params;
  const selects = parts.map((part) => {
    const where = new Conditions(...params);
    source.filter(where, input, part);
    params = where.params;
    // Only the query's own lexemes (with their positions) leave the scan: everything else of the
    // vector is deleted in one call rather than unnested row by row.
    return `(select ${source.key} as key, length(m.search_vector) as dl,
         ts_delete(m.search_vector, tsvector_to_array(ts_delete(m.search_vector, $3::text[] || $1::text[]))) as hits
       from ${source.from(input)} where ${match} and ${where.sql} limit ${cap})`;
  });
  const where = new Conditions(...params);
  const n = where.param(Math.max(1, stats.documents));
  const avgdl = where.param(Math.max(1, stats.meanLength));
  const k = where.param(limit);
  const result = await db.query<{ key: string; score: number }>(
    `with matches as materialized (${selects.join(' union all ')}),
     terms as materialized (
       select x.key, x.dl, u.lexeme, coalesce(array_length(u.positions, 1), 1) as tf
       from matches x cross join lateral unnest(x.hits) u),
     df as (
       select g.lexeme, greatest(coalesce(c.df, 0), g.estimate, 1) as df, g.weight
       from unnest($3::text[], $4::float8[], $5::float8[]) as g(lexeme, estimate, weight)
       left join (select lexeme, count(*)::float8 as df from terms group by lexeme) c using (lexeme)
       union all
       select lexeme, greatest(df, 1), weight from unnest($1::text[], $2::float8[], $6::float8[]) as e(lexeme, df, weight))
     select t.key,
       sum(df.weight * ln(1 + (greatest(${n}::float8, df.df) - df.df + 0.5) / (df.df + 0.5))
           * t.tf * ${K1 + 1} / (t.tf + ${K1} * (${1 - B} + ${B} * t.dl / ${avgdl}::float8)))::float8 as score
     from terms t join df using (lexeme)
     group by t.key
     order by score desc, t.key
     limit ${k}`,
    where.params,
  );
  return result.rows;
}

/** The best `limit` candidates of `source` for a query in web-search syntax, by `ts_rank_cd`. */
export async function websearch(db: Queryable, source: Source, input: SearchInput, limit: number): Promise<Scored> {
  const where = new Conditions(input.query);
  source.filter(where, input);
  const k = where.param(limit);
  const result = await db.query<{ key: string; score: number }>(
    `select ${source.key} as key, ts_rank_cd(m.search_vector, q.tsq)::float8 as score
     from ${source.from(input)}, websearch_to_tsquery('english', $1) as q(tsq)
     where m.search_vector @@ q.tsq and ${where.sql}
     order by score desc, key
     limit ${k}`,
    where.params,
  );
  return result.rows;
}

/** Documents and mean vector length of a tenant's live entries (null: entries with no tenant). */
export async function entryStats(db: Queryable, tenantId: string | null): Promise<CollectionStats> {
  const result = await db.query<CollectionStats>(
    `select count(*)::float8 as documents, coalesce(avg(length(search_vector)), 0)::float8 as "meanLength"
     from memory_entries where ${tenantId === null ? 'tenant_id is null' : 'tenant_id = $1'} and archived_at is null`,
    tenantId === null ? [] : [tenantId],
  );
  return result.rows[0]!;
}

/** Documents and mean vector length of a tenant's session messages. */
export async function messageStats(db: Queryable, tenantId: string): Promise<CollectionStats> {
  const result = await db.query<CollectionStats>(
    `select count(*)::float8 as documents, coalesce(avg(length(search_vector)), 0)::float8 as "meanLength"
     from session_messages where tenant_id = $1`,
    [tenantId],
  );
  return result.rows[0]!;
}
