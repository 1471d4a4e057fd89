/**
 * Lexical retrieval of collections small enough to be ranked exactly (up to `EXACT_UP_TO`
 * documents), in one statement: the query's terms (its words in every form, `./terms.ts`), BM25
 * over every document that holds any of them, pseudo-relevance feedback and the second BM25 pass
 * with the words it adds. One statement is one round trip, where the steps one at a time were
 * five; the search runs one per source, side by side.
 *
 * BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond"): idf
 * from the number of the searched tenant's documents holding each word (every such document is a
 * candidate, so the count is exact), term frequency from the word's positions, length-normalised
 * by the collection's mean vector length.
 *
 * Feedback (Lavrenko and Croft's relevance model, "RM3"): the best few hits of the first pass are
 * probably relevant, so the words they share say what the query is about in the collection's own
 * terms. Those words join the query with a small weight, and the second pass finds documents that
 * use them instead of the asker's words. A word in more than `MAX_FREQUENCY` of the documents says
 * too little: it is not added when the planner's statistics know it, and counts for nothing when
 * the second pass finds it that common in the tenant.
 */
import type { Scored } from '../../domain/search-fusion';
import { Conditions } from '../conditions';
import type { Queryable } from '../entries';
import type { SearchInput } from './filters';
import { B, K1, type CollectionStats, type Source } from './lexical';
import { prepared } from './prepared';
import { queryTermsSql, quoted, WORD_FORMS } from './terms';

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

/** Documents read at most per term and part: the largest collection ranked exactly. */
const EXACT_CAP = 5_000;

/**
 * SQL: the number of occurrences of the one-word tsquery `word` in the document `m` that holds
 * it. For a one-word query with every weight 1, `ts_rank` is H₂(tf) / ζ(2), H₂(n) = Σ 1/k² for
 * k ≤ n (PostgreSQL's `calc_rank_or`, src/backend/utils/adt/tsrank.c), which is inverted here:
 * ζ(2) − H₂(n) = ψ′(n + 1) ≈ 1 / (n + ½). It is exact up to the 256 positions a lexeme keeps, and
 * a fifth of the cost of `ts_rank_cd`, which zeroes 32 kB per query node on every call. A word
 * without positions (a tag) counts once.
 */
export function tfOfWord(word: string): string {
  return `round(1 / (1.6449340668482264 * (1 - ts_rank('{1,1,1,1}', m.search_vector, ${word}))) - 0.5)`;
}

/** SQL: the occurrences of any of the term `l`'s one-word forms in `m`. */
function tfOfWords(): string {
  return Array.from(
    { length: WORD_FORMS },
    (_, i) => `case when m.search_vector @@ l.w${i + 1} then ${tfOfWord(`l.w${i + 1}`)} else 0 end`,
  ).join(' + ');
}

/**
 * SQL: the documents of `source` the search's filters admit that match `match`, as (ref, dl, tf):
 * `ref` the row's ctid (it finds the row again later in the statement; the key is built only for
 * the rows returned), `dl` the vector's length, `tf` the SQL expression `tf`.
 */
function matchesSql(source: Source, input: SearchInput, params: unknown[], match: string, tf: string): string {
  return source
    .parts(input)
    .map((part) => {
      const where = new Conditions(...params);
      source.filter(where, input, part);
      params.splice(0, params.length, ...where.params);
      return `(select m.ctid as ref, length(m.search_vector) as dl, (${tf})::float8 as tf
         from ${source.from(input)} where ${match} and ${where.sql} limit ${EXACT_CAP})`;
    })
    .join(' union all ');
}

/** SQL: the occurrences of the phrases of the term `l` in `m` (each a cover of `ts_rank_cd`'s, every weight 1). */
const TF_OF_PHRASES = "ts_rank_cd('{1,1,1,1}', m.search_vector, l.phrases)";

/**
 * SQL: a (lexeme, ref, dl, tf) row for each term of `terms` (a FROM item `l` of the term's `id`,
 * `words`, `w1` … `w4` and `phrases`, as `q` has them) and each document holding it, found
 * through the full-text index term by term: by its words, then by its phrases among the
 * documents holding none of its words. Phrases are counted only where they occur.
 */
function termRowsSql(source: Source, input: SearchInput, params: unknown[], terms: string): string {
  const byWords = matchesSql(
    source,
    input,
    params,
    'm.search_vector @@ l.words',
    `${tfOfWords()} + case when l.phrases is not null and m.search_vector @@ l.phrases then ${TF_OF_PHRASES} else 0 end`,
  );
  const byPhrases = matchesSql(
    source,
    input,
    params,
    'l.phrases is not null and m.search_vector @@ l.phrases and not m.search_vector @@ l.words',
    TF_OF_PHRASES,
  );
  return `select l.id as lexeme, x.ref, x.dl, x.tf
    from ${terms} cross join lateral (${byWords} union all ${byPhrases}) as x`;
}

/**
 * SQL: the BM25 score (ref, score) of every document of `rows` (lexeme, ref, dl, tf), by `weights`
 * (lexeme, weight), leaving out the words of more than `maxDf` documents when given.
 */
function bm25Sql(rows: string, weights: string, n: string, avgdl: string, maxDf?: string): string {
  return `select t.ref,
      sum(w.weight * ln(1 + (greatest(${n}::float8, d.df) - d.df + 0.5) / (d.df + 0.5))
          * t.tf * ${K1 + 1} / (t.tf + ${K1} * (${1 - B} + ${B} * t.dl / ${avgdl}::float8)))::float8 as score
    from ${rows} as t
    join (select lexeme, count(*)::float8 as df from ${rows} group by lexeme) as d using (lexeme)
    join ${weights} as w using (lexeme)
    ${maxDf ? `where d.df <= ${maxDf}` : ''}
    group by t.ref`;
}

/** The query's own terms as a FROM item `l`. */
const SLOTS = Array.from({ length: WORD_FORMS }, (_, i) => `w${i + 1}`);
const OWN_TERMS = `unnest(${['ids', 'words', ...SLOTS, 'phrases'].map((c) => `(select ${c} from q)`).join(', ')})
  as l(id, words, ${SLOTS.join(', ')}, phrases)`;
/** The query's own terms, each weighing 1. */
const OWN_WEIGHTS = '(select unnest(ids) as lexeme, 1::float8 as weight from q)';

/**
 * The CTEs ranking one source, named with `p`; its ranking is `${p}_final` (key, score). The second
 * pass adds the added words' part to the first pass's scores: BM25 is a sum over words, and the
 * documents and frequencies of the query's own words are the same in both passes.
 */
function sourceCtes(
  p: string,
  s: ExactSource,
  input: SearchInput,
  params: unknown[],
  limit: string,
  feedback: boolean,
): string[] {
  const param = (value: unknown) => `$${params.push(value)}`;
  const n = param(Math.max(1, s.stats.documents));
  const avgdl = param(Math.max(1, s.stats.meanLength));
  const ctes = [
    `${p}_terms as materialized (${termRowsSql(s.source, input, params, OWN_TERMS)})`,
    `${p}_first as materialized (${bm25Sql(`${p}_terms`, OWN_WEIGHTS, n, avgdl)})`,
  ];
  // The key is built for the best `limit` only.
  const best = (scores: string) =>
    `select (select ${s.source.key} from ${s.source.table} as m where m.ctid = f.ref) as key, f.score
     from (${scores} order by score desc, ref limit ${limit}) as f`;
  if (!feedback) return [...ctes, `${p}_final as (${best(`select * from ${p}_first`)})`];
  const frequent = param(s.frequent);
  ctes.push(
    `${p}_top as (
       select ref, score / max(score) over () as share from ${p}_first order by score desc, ref limit ${FEEDBACK_DOCUMENTS})`,
    // Each word of the best hits weighs the sum, over those hits, of its share of the hit's words
    // times the hit's score relative to the best.
    `${p}_added as materialized (
       select u.lexeme as id, sum(coalesce(array_length(u.positions, 1), 1)::float8
         / greatest(1, length(m.search_vector)) * t.share) as w
       from ${p}_top as t join ${s.source.table} as m on m.ctid = t.ref cross join lateral unnest(m.search_vector) as u
       where u.lexeme <> all((select lexemes from q)::text[]) and u.lexeme <> all(${frequent}::text[])
         and length(u.lexeme) >= 3
       group by u.lexeme order by w desc, u.lexeme limit ${EXPANSION_TERMS})`,
    `${p}_more as materialized (${termRowsSql(
      s.source,
      input,
      params,
      `(select id, word as words, word as w1, ${SLOTS.slice(1)
        .map((c) => `null::tsquery as ${c}`)
        .join(', ')}, null::tsquery as phrases
        from ${p}_added cross join lateral (select (${quoted('id')})::tsquery as word) as w) as l`,
    )})`,
    // The planner's statistics may not know the tenant's frequent words yet (a word of every key
    // of a small tenant, say): an added word found in more than MAX_FREQUENCY of its documents
    // counts for nothing, rather than matching them all.
    `${p}_second as (${bm25Sql(
      `${p}_more`,
      `(select id as lexeme, ${EXPANSION_WEIGHT} * w / max(w) over () as weight from ${p}_added)`,
      n,
      avgdl,
      `${n}::float8 * ${MAX_FREQUENCY}`,
    )})`,
    `${p}_final as (${best(
      `select ref, sum(score) as score from (select * from ${p}_first union all select * from ${p}_second) as x
       group by ref`,
    )})`,
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
  const params: unknown[] = [];
  const q = queryTermsSql(params, input.query);
  const k = `$${params.push(limit)}`;
  const names = sources.map((_, i) => `s${i}`);
  const ctes = sources.flatMap((s, i) => sourceCtes(names[i]!, s, input, params, k, feedback));
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
