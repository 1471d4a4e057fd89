/**
 * Lexical retrieval of collections small enough to be ranked exactly (up to `EXACT_UP_TO`
 * documents), in one statement for every source a search looks in: the query's lexemes, BM25 over
 * every document that holds any of them, pseudo-relevance feedback and the second BM25 pass with
 * the words it adds. One statement is one round trip, where the steps one at a time were five.
 *
 * BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond"): idf
 * from the number of the searched tenant's documents holding each word (every such document is a
 * candidate, so the count is exact), term frequency from the word's positions, length-normalised
 * by the collection's mean vector length.
 *
 * Feedback (Lavrenko and Croft's relevance model, "RM3"): the best few hits of the first pass are
 * probably relevant, so the words they share say what the query is about in the collection's own
 * terms. Those words join the query with a small weight, and the second pass finds documents that
 * use them instead of the asker's words.
 */
import type { Scored } from '../../domain/search-fusion';
import { Conditions } from '../conditions';
import type { Queryable } from '../entries';
import type { SearchInput } from './filters';
import { B, K1, type CollectionStats, type Source } from './lexical';
import { prepared } from './prepared';

/** Hits of the first pass taken as relevant. */
const FEEDBACK_DOCUMENTS = 5;
/** Words added to the query. */
const EXPANSION_TERMS = 5;
/** Weight of the added words, against 1 for the query's own. */
const EXPANSION_WEIGHT = 0.3;
/** Words in more than this share of documents say too little to add. */
export const MAX_FREQUENCY = 0.05;

/** One source to rank: its SQL, the size of its collection, and the frequent words not to add. */
export interface ExactSource {
  source: Source;
  stats: CollectionStats;
  /** Lexemes in more than `MAX_FREQUENCY` of the source's documents (from the planner's statistics). */
  frequent: string[];
}

/** SQL: the text lexeme in `column` quoted for a tsquery, as `anyOf` quotes it. */
const quoted = (column: string) => `'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;

/** Documents read at most per part: the largest collection ranked exactly. */
const EXACT_CAP = 5_000;

/**
 * SQL: the (key, ref, dl, lexeme, tf) rows of the documents of `source` that the search's filters
 * admit and that match the tsquery `match`, one row per term of `terms` (a FROM item `l` of
 * lexeme and its one-word query) they hold. `tf` is the number of the word's positions, counted
 * by `ts_rank_cd` with every weight 1 (each position of a one-word query is a cover of its own;
 * PostgreSQL docs, "Ranking Search Results"), 1 for a word without positions (a tag): a few calls
 * per document, where cutting the vector down to the query's words and unnesting it cost three
 * times as much. `ref` (the row's ctid) finds the row again later in the statement.
 */
function termRows(source: Source, input: SearchInput, params: unknown[], match: string, terms: string): string {
  const parts = source.parts(input).map((part) => {
    const where = new Conditions(...params);
    source.filter(where, input, part);
    params.splice(0, params.length, ...where.params);
    return `(select ${source.key} as key, m.ctid as ref, length(m.search_vector) as dl, m.search_vector as v
       from ${source.from(input)} where m.search_vector @@ ${match} and ${where.sql} limit ${EXACT_CAP})`;
  });
  return `select x.key, x.ref, x.dl, t.lexeme, t.tf
    from (${parts.join(' union all ')}) as x
    cross join lateral (
      select l.lexeme, greatest(ts_rank_cd('{1,1,1,1}', x.v, l.query), 1)::float8 as tf
      from ${terms} where x.v @@ l.query) as t`;
}

/** SQL: BM25 of `terms` (key, ref, dl, lexeme, tf) with the word weights `weights` (lexeme, weight). */
function bm25Sql(terms: string, weights: string, n: string, avgdl: string): string {
  return `select t.key, t.ref,
      sum(w.weight * ln(1 + (greatest(${n}::float8, d.df) - d.df + 0.5) / (d.df + 0.5))
          * t.tf * ${K1 + 1} / (t.tf + ${K1} * (${1 - B} + ${B} * t.dl / ${avgdl}::float8)))::float8 as score
    from ${terms} as t
    join (select lexeme, count(*)::float8 as df from ${terms} group by lexeme) as d using (lexeme)
    join ${weights} as w using (lexeme)
    group by t.key, t.ref`;
}

/** The query's own words, each weighing 1. */
const OWN_WEIGHTS = '(select unnest(lexemes) as lexeme, 1::float8 as weight from q)';

/** The CTEs ranking one source, named with `p`; its ranking is `${p}_final` (key, score). */
function sourceCtes(p: string, s: ExactSource, input: SearchInput, params: unknown[], feedback: boolean): string[] {
  const param = (value: unknown) => `$${params.push(value)}`;
  const n = param(Math.max(1, s.stats.documents));
  const avgdl = param(Math.max(1, s.stats.meanLength));
  const own = 'unnest((select lexemes from q), (select queries from q)) as l(lexeme, query)';
  const first = termRows(s.source, input, params, '(select tsq from q)', own);
  const ctes = [`${p}_terms as materialized (${first})`];
  if (!feedback) return [...ctes, `${p}_final as (${bm25Sql(`${p}_terms`, OWN_WEIGHTS, n, avgdl)})`];
  const frequent = param(s.frequent);
  ctes.push(
    `${p}_first as materialized (${bm25Sql(`${p}_terms`, OWN_WEIGHTS, n, avgdl)})`,
    `${p}_top as (
       select ref, score / max(score) over () as share from ${p}_first order by score desc, key limit ${FEEDBACK_DOCUMENTS})`,
    // Each word of the best hits weighs the sum, over those hits, of its share of the hit's words
    // times the hit's score relative to the best.
    `${p}_added as materialized (
       select u.lexeme, sum(coalesce(array_length(u.positions, 1), 1)::float8 / greatest(1, length(m.search_vector))
         * t.share) as w
       from ${p}_top as t join ${s.source.table} as m on m.ctid = t.ref cross join lateral unnest(m.search_vector) as u
       where u.lexeme <> all((select lexemes from q)::text[]) and u.lexeme <> all(${frequent}::text[]) and length(u.lexeme) >= 3
       group by u.lexeme order by w desc, u.lexeme limit ${EXPANSION_TERMS})`,
    `${p}_weights as materialized (
       select lexeme, 1::float8 as weight from unnest((select lexemes from q)) as lexeme
       union all select lexeme, ${EXPANSION_WEIGHT} * w / max(w) over () from ${p}_added)`,
  );
  // A document holding no word of the query was not a candidate of the first pass; one that holds
  // an added word gets that word's rows here, besides its rows of the query's words there.
  const more = termRows(
    s.source,
    input,
    params,
    `(select string_agg(${quoted('lexeme')}, ' | ')::tsquery from ${p}_added)`,
    `(select lexeme, (${quoted('lexeme')})::tsquery as query from ${p}_added) as l`,
  );
  ctes.push(
    `${p}_more as materialized (${more})`,
    `${p}_all as (select * from ${p}_terms union all select * from ${p}_more)`,
    `${p}_final as (${bm25Sql(`${p}_all`, `${p}_weights`, n, avgdl)})`,
  );
  return ctes;
}

/**
 * The best `limit` documents of `sources` by BM25 for `input.query` — after feedback unless
 * `feedback` is false — in one statement.
 */
export async function rankExactly(
  db: Queryable,
  input: SearchInput,
  sources: readonly ExactSource[],
  limit: number,
  feedback: boolean,
): Promise<Scored> {
  if (sources.length === 0) return [];
  const params: unknown[] = [input.query];
  // The query's lexemes as the vectors hold them (English stemming, stop words dropped), each as
  // a one-word tsquery, and all of them as one "any of these words" tsquery.
  const q = `q as materialized (
    select coalesce(array_agg(lexeme), '{}') as lexemes,
      coalesce(array_agg((${quoted('lexeme')})::tsquery), '{}') as queries,
      string_agg(${quoted('lexeme')}, ' | ')::tsquery as tsq
    from unnest(to_tsvector('english', $1)))`;
  const names = sources.map((_, i) => `s${i}`);
  const ctes = sources.flatMap((s, i) => sourceCtes(names[i]!, s, input, params, feedback));
  const k = `$${params.push(limit)}`;
  const result = await db.query<{ key: string; score: number }>(
    prepared(
      `with ${[q, ...ctes].join(',\n')}
       select key, score from (${names.map((p) => `select key, score from ${p}_final`).join(' union all ')}) as f
       order by score desc, key limit ${k}`,
      params,
    ),
  );
  return result.rows;
}
