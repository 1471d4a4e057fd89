/**
 * The local embedding model: needs no network and no model download. A text's vector is the
 * smooth-inverse-frequency (SIF) weighted sum of its words' vectors (Arora, Liang and Ma, "A
 * Simple but Tough-to-Beat Baseline for Sentence Embeddings", 2017): a word of probability p gets
 * the weight a / (a + p), so frequent words say little and rare words a lot. A word's probability
 * comes from its frequency rank in the vectors' own vocabulary (Zipf's law), which makes the model
 * stateless: the same text always gets the same vector, whoever stored it and whenever (the
 * paper's removal of a common component needs the corpus, and a fixed one gained too little to
 * keep). The result is scaled to unit length, so a dot product is the cosine similarity.
 */
import type { Embedder } from '../contracts/embedding';
import { loadWordVectors, type WordVectors } from './word-vectors';

/** SIF's smoothing constant: the probability at which a word's weight halves. */
const SIF_A = 1e-3;

/** Lower-case words and numbers; an apostrophe inside a word stays, a possessive "'s" goes. */
export function tokenize(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’‘]/g, "'")
      .match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? []
  ).map((t) => (t.endsWith("'s") ? t.slice(0, -2) : t));
}

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d]! /= norm;
  return v;
}

class SifModel {
  private readonly zipf: number;

  constructor(private readonly words: WordVectors) {
    this.zipf = Math.log(words.size) + 0.5772;
  }

  /** Zipf's law: the word of rank r (from 0) has probability 1 / ((r + 1) · H), H ≈ ln V + γ. */
  weight(rank: number): number {
    const p = 1 / ((rank + 1) * this.zipf);
    return SIF_A / (SIF_A + p);
  }

  embed(text: string): Float32Array {
    const { dimensions } = this.words;
    const v = new Float32Array(dimensions);
    for (const token of tokenize(text)) {
      const rank = this.words.rank(token);
      if (rank === undefined) continue;
      const w = this.weight(rank);
      const vector = this.words.vector(rank);
      for (let d = 0; d < dimensions; d++) v[d]! += w * vector[d]!;
    }
    return normalise(v);
  }
}

/**
 * The local embedder (model `local-sif-wink100`): 100 dimensions, English. The word vectors are
 * prepared under `cacheDir` on first use (a few seconds, once per machine).
 */
export function createLocalEmbedder(cacheDir: string, onProgress?: (line: string) => void): Embedder {
  let model: SifModel | undefined;
  const ready = () => (model ??= new SifModel(loadWordVectors(cacheDir, onProgress)));
  return {
    model: 'local-sif-wink100',
    dimensions: 100,
    async embed(texts) {
      const m = ready();
      return texts.map((text) => m.embed(text));
    },
  };
}
