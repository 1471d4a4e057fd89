/**
 * The other forms a word of a search query may take in a stored text, as pure rules: a compound
 * is written together or apart ("failover", "fail over"; "rollback", "roll back"), and a few
 * abbreviations are as common in operations notes as the words they stand for ("DB",
 * "database"). Each form belongs to the query word it came from (its `head`); the lexical search
 * counts an occurrence of any form as an occurrence of that word, so a text is neither missed for
 * writing a word its own way nor counted twice for writing it both ways.
 *
 * A form is text, turned into a full-text query by PostgreSQL's `phraseto_tsquery('english', …)`
 * with the same stemming and stop words as the stored texts. Forms that do not survive it as
 * expected are dropped there: a joined pair must stem to one word, a split to two adjacent words
 * (so "notable" is never looked for as "not able", the stop word "not" is not indexed).
 */

/** One other form of the query word `head`. */
export interface TermForm {
  /** The query word (lower case) the form stands in for. */
  head: string;
  /** The form, as text. */
  form: string;
  /**
   * The number of nodes (PostgreSQL docs, `numnode`) its query must have to be kept: 1 for a
   * joined pair (one word), 3 for a split (two words and the phrase operator), 0 for any.
   */
  nodes: 0 | 1 | 3;
}

/**
 * Abbreviations used in operations notes as often as the words they stand for, each with its
 * one meaning there. Kept short on purpose: an abbreviation with a second common meaning (`pr`:
 * pull request or press release; `ops`; `auth`: authentication or authorization) would make a
 * search find what it was not asked for, and is left out.
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = Object.freeze({
  db: 'database',
  k8s: 'kubernetes',
  prod: 'production',
  repo: 'repository',
  env: 'environment',
  config: 'configuration',
  infra: 'infrastructure',
  perf: 'performance',
});

/** The shortest part a split may have: shorter ones are rarely a word of their own. */
const MIN_PART = 3;
/** Forms a query gets at most (a long query keeps those of its first words). */
export const MAX_FORMS = 64;

/** The words of `query`: runs of letters and digits, lower case. */
export function queryWords(query: string): string[] {
  return query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The other forms of the words of `query`: each word joined with the next (the head must be more
 * than a stop word; PostgreSQL drops the pair otherwise), the abbreviation of a word or the word
 * of an abbreviation, and each word of only letters split in two at every point leaving parts of
 * `MIN_PART` letters or more. At most `MAX_FORMS`: joins and abbreviations first, in the order of
 * the words, then splits.
 */
export function termForms(query: string): TermForm[] {
  const words = queryWords(query);
  const reverse = new Map(Object.entries(ABBREVIATIONS).map(([short, long]) => [long, short]));
  const forms: TermForm[] = [];
  words.forEach((head, i) => {
    const next = words[i + 1];
    if (next !== undefined) forms.push({ head, form: head + next, nodes: 1 });
    const other = ABBREVIATIONS[head] ?? reverse.get(head);
    if (other) forms.push({ head, form: other, nodes: 0 });
  });
  for (const head of words) {
    if (!/^\p{L}+$/u.test(head)) continue;
    for (let k = MIN_PART; k <= head.length - MIN_PART; k++) {
      forms.push({ head, form: `${head.slice(0, k)} ${head.slice(k)}`, nodes: 3 });
    }
  }
  const seen = new Set<string>();
  return forms
    .filter(({ head, form }) => !seen.has(`${head} ${form}`) && seen.add(`${head} ${form}`))
    .slice(0, MAX_FORMS);
}
