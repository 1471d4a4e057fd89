/**
 * How a search combines its evidence, as pure functions: the lexical (BM25) and the semantic
 * (cosine) candidate lists are normalised and blended, a hit shares part of its score with its
 * conversational neighbours (an answer often sits in the turn next to the one that matches the
 * words), and the result is weighed by importance, recency and access frequency.
 */

/** Share of the lexical score in the blend; the semantic list has the rest. */
export const LEXICAL_WEIGHT = 0.6;
/**
 * Share of a hit's score that the turn just before and just after it receive; a turn `d` away
 * receives `NEIGHBOUR_SHARE ** d`, so a topic raised in one turn reaches the question about it and
 * the answer after that, fading with distance.
 */
export const NEIGHBOUR_SHARE = 0.3;
/** How many turns away, on each side, a hit shares its score. */
export const NEIGHBOUR_REACH = 2;
/** Age at which recency halves a score: 30 days, in ms. */
export const RECENCY_HALF_WEIGHT_MS = 30 * 24 * 3600 * 1000;

/** One candidate list: a key per hit with its raw score, best first. */
export type Scored = { key: string; score: number }[];

/** A candidate's parts after fusion. */
export interface FusedCandidate {
  key: string;
  lexical?: { raw: number; normalised: number; position: number };
  semantic?: { raw: number; normalised: number; position: number };
  fused: number;
  neighbours: number;
}

/** Lexical scores divided by the best one (BM25 has no upper bound). */
function byMaximum(list: Scored): Map<string, { raw: number; normalised: number; position: number }> {
  const max = list[0]?.score ?? 0;
  return new Map(
    list.map((c, i) => [c.key, { raw: c.score, normalised: max > 0 ? c.score / max : 0, position: i + 1 }]),
  );
}

/** Cosines rescaled to [0, 1] between the worst and the best of the list (cosines crowd together). */
function byRange(list: Scored): Map<string, { raw: number; normalised: number; position: number }> {
  const max = list[0]?.score ?? 0;
  const min = list[list.length - 1]?.score ?? 0;
  const span = max - min;
  return new Map(
    list.map((c, i) => [c.key, { raw: c.score, normalised: span > 0 ? (c.score - min) / span : 1, position: i + 1 }]),
  );
}

/**
 * Blends the two lists: `LEXICAL_WEIGHT` × lexical + the rest × semantic, a list a candidate is
 * missing from counting 0. With only one list, that list decides alone.
 */
export function fuse(lexical: Scored, semantic: Scored): FusedCandidate[] {
  const lex = byMaximum(lexical);
  const sem = byRange(semantic);
  const lexicalWeight = semantic.length === 0 ? 1 : lexical.length === 0 ? 0 : LEXICAL_WEIGHT;
  const keys = new Set([...lex.keys(), ...sem.keys()]);
  return [...keys].map((key) => {
    const l = lex.get(key);
    const s = sem.get(key);
    const fused = lexicalWeight * (l?.normalised ?? 0) + (1 - lexicalWeight) * (s?.normalised ?? 0);
    return { key, ...(l ? { lexical: l } : {}), ...(s ? { semantic: s } : {}), fused, neighbours: 0 };
  });
}

/** A turn near a hit: its key and how many turns away it is (1 = just before or after). */
export interface Neighbour {
  key: string;
  distance: number;
}

/**
 * Gives each candidate's neighbours `NEIGHBOUR_SHARE ** distance` of its fused score (added up
 * when a turn neighbours several), adding neighbours that were no candidate. `neighboursOf` names
 * the turns up to `NEIGHBOUR_REACH` before and after a key, when it has any.
 */
export function spreadToNeighbours(
  candidates: FusedCandidate[],
  neighboursOf: (key: string) => readonly Neighbour[],
): FusedCandidate[] {
  const byKey = new Map(candidates.map((c) => [c.key, { ...c }]));
  for (const c of candidates) {
    for (const { key, distance } of neighboursOf(c.key)) {
      if (distance < 1 || distance > NEIGHBOUR_REACH) continue;
      const target = byKey.get(key) ?? { key, fused: 0, neighbours: 0 };
      target.neighbours += NEIGHBOUR_SHARE ** distance * c.fused;
      byKey.set(key, target);
    }
  }
  return [...byKey.values()];
}

/** What the final blend weighs besides relevance. */
export interface Standing {
  /** 0..1 */
  importance: number;
  /** ms since the hit was written. */
  ageMs: number;
  accessCount: number;
}

/** The blend's factors: importance (0.5–1.5), recency (1 → ½ at 30 days), access (1 + ln(1 + n)/10). */
export function standingFactors(s: Standing): { importance: number; recency: number; access: number } {
  return {
    importance: 0.5 + s.importance,
    recency: 1 / (1 + Math.max(0, s.ageMs) / RECENCY_HALF_WEIGHT_MS),
    access: 1 + Math.log1p(Math.max(0, s.accessCount)) / 10,
  };
}
