/**
 * A latency histogram over fixed, log-spaced bucket boundaries (ms), the shape stored in
 * `endpoint_performance.buckets`: bucket i counts latencies ≤ {@link LATENCY_BOUNDARIES_MS}[i]
 * (and above the boundary before it); the last bucket counts latencies above every boundary.
 * Boundaries grow by a quarter each (0.5 ms … ~2.5 min), so a percentile read from the histogram
 * is within ~12 % of the true value. The boundaries are part of the stored data: never change them
 * (a new set needs a new column).
 */

/** Upper bounds of the buckets, ms: 0.5 · 1.25^i rounded to 3 significant digits, i = 0…56. */
export const LATENCY_BOUNDARIES_MS: readonly number[] = Object.freeze(
  Array.from({ length: 57 }, (_, i) => Number((0.5 * 1.25 ** i).toPrecision(3))),
);

/** Buckets of a histogram: one per boundary and one for latencies above them all. */
export const LATENCY_BUCKETS = LATENCY_BOUNDARIES_MS.length + 1;

/** An empty histogram. */
export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/** The bucket of a latency (ms; negative counts as 0). */
export function bucketOf(latencyMs: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDARIES_MS.length;
  // The first boundary ≥ latency (binary search); none: the overflow bucket.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_BOUNDARIES_MS[mid]! >= latencyMs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The latency (ms) below which a fraction `q` (0–1) of a histogram's observations lie, read by
 * linear interpolation inside the bucket it falls in; the overflow bucket answers `maxMs` (the
 * largest observed), and so does any estimate above it. Null for an empty histogram.
 */
export function histogramQuantile(buckets: readonly number[], q: number, maxMs?: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n === 0 || seen + n < rank) {
      seen += n;
      continue;
    }
    if (i >= LATENCY_BOUNDARIES_MS.length) return maxMs ?? LATENCY_BOUNDARIES_MS[LATENCY_BOUNDARIES_MS.length - 1]!;
    const lower = i === 0 ? 0 : LATENCY_BOUNDARIES_MS[i - 1]!;
    const upper = LATENCY_BOUNDARIES_MS[i]!;
    const estimate = lower + ((upper - lower) * (rank - seen)) / n;
    return maxMs === undefined ? estimate : Math.min(estimate, maxMs);
  }
  return maxMs ?? null;
}
