/**
 * Lexical retrieval: candidates that hold any word of the query, ranked by BM25 (Robertson and
 * Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond") over PostgreSQL's full-text
 * vectors: idf from the share of candidates holding each word, term frequency from the word's
 * positions, length-normalised by the collection's mean vector length. Every document of the
 * searched tenant that holds a query word is a candidate, so document frequencies are exact
 * without a term-statistics table. `websearch` mode ranks PostgreSQL's own syntax with
 * `ts_rank_cd` instead (PostgreSQL docs, "Controlling Text Search").
 */
import type { Queryable } from '../entries';
import { Conditions } from '../conditions';
import { ENTRY_KEY_SQL, entryFilters, MESSAGE_KEY_SQL, messageFilters, type SearchInput } from './filters';
import type { Scored } from '../../domain/search-fusion';

/** BM25's term-frequency saturation and length normalisation; memory texts are short, so b is low. */
const K1 = 1.2;
const B = 0.5;

/** Size and mean vector length (lexemes) of the collection a search ranks within. */
export interface CollectionStats {
  documents: number;
  meanLength: number;
}

/** One source of documents: its table, key, filters and full-text vector. */
interface Source {
  from: string;
  key: string;
  filter(where: Conditions, input: SearchInput): void;
}

export const ENTRY_SOURCE: Source = { from: 'memory_entries m', key: ENTRY_KEY_SQL, filter: entryFilters };
export const MESSAGE_SOURCE: Source = {
  from: 'session_messages m join sessions s on s.tenant_id = m.tenant_id and s.session_id = m.session_id',
  key: MESSAGE_KEY_SQL,
  filter: messageFilters,
};

/** The best `limit` candidates of `source` by BM25 for a natural-language query. */
export async function bm25(
  db: Queryable,
  source: Source,
  input: SearchInput,
  stats: CollectionStats,
  limit: number,
): Promise<Scored> {
  const where = new Conditions(input.query);
  source.filter(where, input);
  const n = where.param(Math.max(1, stats.documents));
  const avgdl = where.param(Math.max(1, stats.meanLength));
  const k = where.param(limit);
  const result = await db.query<{ key: string; score: number }>(
    `with q as materialized (
       select coalesce(array_agg(distinct lexeme), '{}') as terms,
              coalesce(string_agg(distinct quote_literal(lexeme), ' | '), '')::tsquery as tsq
       from unnest(to_tsvector('english', $1))),
     matches as materialized (
       select ${source.key} as key, m.search_vector as v, length(m.search_vector) as dl
       from ${source.from}, q
       where m.search_vector @@ q.tsq and ${where.sql}),
     terms as materialized (
       select x.key, x.dl, u.lexeme, coalesce(array_length(u.positions, 1), 1) as tf
       from matches x cross join q cross join lateral unnest(x.v) u
       where u.lexeme = any(q.terms)),
     df as (select lexeme, count(*)::float8 as df from terms group by lexeme)
     select t.key,
       sum(ln(1 + (greatest(${n}::float8, df.df) - df.df + 0.5) / (df.df + 0.5))
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
     from ${source.from}, websearch_to_tsquery('english', $1) as q(tsq)
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
