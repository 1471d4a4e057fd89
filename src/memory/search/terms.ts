/**
 * The terms of a natural-language query, as SQL: one per lexeme of the query (English stemming,
 * stop words dropped, as the stored texts are indexed), each matching the lexeme or any other
 * form of its word — joined with the next word, abbreviated or spelled out, or split in two
 * (`src/domain/search-terms.ts`). A document holding any form of a word holds the term, and its
 * term frequency counts the occurrences of every form.
 *
 * A term's one-word forms and its two-word (phrase) forms are kept apart: a query of words alone
 * is answered by the full-text index exactly and its frequencies are cheap to count, while a
 * phrase is checked against every document the index finds for it (PostgreSQL docs, "GIN
 * Indexes") and counted by the costlier `ts_rank_cd`.
 */
import { termForms } from '../../domain/search-terms';
import type { Queryable } from '../entries';

/** SQL: the text in `column` quoted as one tsquery lexeme (`''` for a quote, `\\` for a backslash). */
export const quoted = (column: string) => `'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;

/** One-word forms a term counts at most (its own lexeme first). */
export const WORD_FORMS = 4;

/** SQL: the "or" of the tsqueries in `column` (null when there are none). */
const anyOf = (column: string) => `string_agg('(' || ${column}::text || ')', ' | ')::tsquery`;

/**
 * The CTEs `base`, `forms`, `terms` and `q` for `query`, binding their values in `params`. `q` is
 * one row of arrays in the order of `ids` (text[]: each term's lexeme): `words` (tsquery: any of
 * the term's one-word forms), `w1` … `w4` (tsquery: each one-word form alone, null past the last),
 * `phrases` (tsquery: any of its two-word forms, null when none); and `lexemes` (text[]: the
 * lexemes of the query's words and of their one-word forms, for feedback not to add again).
 */
export function queryTermsSql(params: unknown[], query: string): string {
  const forms = termForms(query);
  const param = (value: unknown) => `$${params.push(value)}`;
  const text = param(query);
  const heads = param(forms.map((f) => f.head));
  const texts = param(forms.map((f) => f.form));
  const nodes = param(forms.map((f) => f.nodes));
  const slots = Array.from({ length: WORD_FORMS }, (_, i) => i + 1);
  return `base as (select lexeme from unnest(to_tsvector('english', ${text}))),
  forms as materialized (
    select h.lexeme, f.query, numnode(f.query) = 1 as word, tsvector_to_array(to_tsvector('english', x.form)) as lexemes
    from unnest(${heads}::text[], ${texts}::text[], ${nodes}::int[]) as x(head, form, nodes)
    cross join lateral unnest(to_tsvector('english', x.head)) as h
    cross join lateral phraseto_tsquery('english', x.form) as f(query)
    where h.lexeme in (select lexeme from base) and numnode(f.query) > 0
      and (x.nodes = 0 or numnode(f.query) = x.nodes)),
  terms as (
    select b.lexeme as id, w.words,
      (select ${anyOf('query')} from forms where forms.lexeme = b.lexeme and not word) as phrases
    from base as b
    cross join lateral (
      select array_agg(a.query order by a.own desc, a.query) as words from (
        select query, bool_or(own) as own from (
          select (${quoted('b.lexeme')})::tsquery as query, true as own
          union all select query, false from forms where forms.lexeme = b.lexeme and word) as f
        group by query order by bool_or(own) desc, query limit ${WORD_FORMS}) as a) as w),
  q as materialized (
    select coalesce(array_agg(id order by id), '{}') as ids,
      coalesce(array_agg((select ${anyOf('f')} from unnest(words) as f) order by id), '{}') as words,
      ${slots.map((i) => `coalesce(array_agg(words[${i}] order by id), '{}') as w${i}`).join(',\n      ')},
      coalesce(array_agg(phrases order by id), '{}') as phrases,
      array(select lexeme from base union select unnest(lexemes) from forms where word) as lexemes
    from terms)`;
}

/**
 * The lexemes of `query`'s words and of their one-word forms (joined pairs, abbreviations), each
 * as a term of its own: the ranking of collections past exact ranking weighs words one by one,
 * and looks for no phrase.
 */
export async function wordLexemes(db: Queryable, query: string): Promise<string[]> {
  const params: unknown[] = [];
  const result = await db.query<{ lexeme: string }>(
    `with ${queryTermsSql(params, query)}
     select lexeme from base union select unnest(lexemes) from forms where word`,
    params,
  );
  return result.rows.map((r) => r.lexeme);
}
