// A latency histogram with log-spaced buckets (each 10% wider than the last, from 0.05 ms to
// about 10 minutes), so p50 / p95 / p99 come out within 5% at any scale. The gateway records into
// one per model on every call: one Math.log and one increment, no allocation.

const FLOOR_MS = 0.05;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
/** Enough buckets to reach past the longest call timeout (ln(600000 / 0.05) / ln 1.1 ≈ 171). */
export const BUCKETS = 176;

/** Counts of calls per latency bucket; `total` is their sum. */
export type LatencyHistogram = { counts: Uint32Array; total: number };

export function emptyHistogram(): LatencyHistogram {
  return { counts: new Uint32Array(BUCKETS), total: 0 };
}

/** The bucket a latency in milliseconds falls in. */
export function bucketOf(ms: number): number {
  if (!(ms > FLOOR_MS)) return 0;
  const index = Math.ceil(Math.log(ms / FLOOR_MS) / LOG_GROWTH);
  return index >= BUCKETS ? BUCKETS - 1 : index;
}

/** The upper bound (ms) of bucket `index`: what a quantile falling in it is reported as. */
export function bucketUpperMs(index: number): number {
  return FLOOR_MS * GROWTH ** index;
}

export function recordLatency(h: LatencyHistogram, ms: number): void {
  h.counts[bucketOf(ms)]!++;
  h.total++;
}

/** Adds `from`'s counts into `into`. */
export function mergeInto(into: LatencyHistogram, from: LatencyHistogram): void {
  for (let i = 0; i < BUCKETS; i++) into.counts[i]! += from.counts[i]!;
  into.total += from.total;
}

/** The latency (ms) under which a fraction `q` of the calls fell, or null when there were none. */
export function quantileMs(h: LatencyHistogram, q: number): number | null {
  if (h.total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.total));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Number(bucketUpperMs(i).toPrecision(4));
  }
  return Number(bucketUpperMs(BUCKETS - 1).toPrecision(4));
}
