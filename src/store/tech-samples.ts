// Technical metrics rows (the telemetry sampler writes them, the dashboard charts them). A 10 s
// sample is written into its 10 s, 1 min and 1 h rows at once: counters add up, CPU and memory
// average over the samples, percentiles are replaced by those of the whole window so far.
import type { Store } from './database.ts';

/** Seconds one row covers. */
export type SampleStep = 10 | 60 | 3600;
export const STEPS: readonly SampleStep[] = [10, 60, 3600];

/** One 10 s sample of a model (replica '') or of one replica. */
export type TechSample = {
  model: string;
  replica: string;
  calls: number;
  success: number;
  failure: number;
  error: number;
  busy: number;
  restarts: number;
  requestBytes: number;
  responseBytes: number;
  cpu: number | null;
  rss: number | null;
};

/** Percentiles (ms) of the window a row covers, computed by the caller for each step. */
export type WindowLatency = { p50: number | null; p95: number | null; p99: number | null };

/** A stored row, as the charts read it. */
export type TechRow = TechSample & WindowLatency & { step: SampleStep; at: number; samples: number };

/** Start (ms) of the `step`-second window holding `ms`. */
export function windowStart(ms: number, step: SampleStep): number {
  return Math.floor(ms / (step * 1000)) * step * 1000;
}

const upsertSql = `
INSERT INTO tech_samples (model, replica, step, at, samples, calls, success, failure, error, busy, restarts,
  request_bytes, response_bytes, p50, p95, p99, cpu, rss)
VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (model, replica, step, at) DO UPDATE SET
  samples = samples + 1,
  calls = calls + excluded.calls, success = success + excluded.success, failure = failure + excluded.failure,
  error = error + excluded.error, busy = busy + excluded.busy, restarts = restarts + excluded.restarts,
  request_bytes = request_bytes + excluded.request_bytes, response_bytes = response_bytes + excluded.response_bytes,
  p50 = COALESCE(excluded.p50, p50), p95 = COALESCE(excluded.p95, p95), p99 = COALESCE(excluded.p99, p99),
  cpu = CASE WHEN excluded.cpu IS NULL THEN cpu WHEN cpu IS NULL THEN excluded.cpu ELSE (cpu * samples + excluded.cpu) / (samples + 1) END,
  rss = CASE WHEN excluded.rss IS NULL THEN rss WHEN rss IS NULL THEN excluded.rss ELSE (rss * samples + excluded.rss) / (samples + 1) END`;

/**
 * Writes one round of samples taken at `atMs` into the rows of every step, in one transaction.
 * `latency(sample, step)` gives the percentiles of that row's whole window.
 */
export function writeSamples(
  store: Store,
  atMs: number,
  samples: readonly TechSample[],
  latency: (sample: TechSample, step: SampleStep) => WindowLatency,
): void {
  const upsert = store.statement(upsertSql);
  store.transaction(() => {
    for (const s of samples) {
      for (const step of STEPS) {
        const l = latency(s, step);
        upsert.run(
          s.model, s.replica, step, windowStart(atMs, step), s.calls, s.success, s.failure, s.error, s.busy, s.restarts,
          s.requestBytes, s.responseBytes, l.p50, l.p95, l.p99, s.cpu, s.rss,
        );
      }
    }
  });
}

type Row = {
  model: string; replica: string; step: SampleStep; at: number; samples: number; calls: number; success: number;
  failure: number; error: number; busy: number; restarts: number; request_bytes: number; response_bytes: number;
  p50: number | null; p95: number | null; p99: number | null; cpu: number | null; rss: number | null;
};

/** Rows of one model (and replica, '' for the totals) of one step from `fromMs` on, oldest first. */
export function readSamples(store: Store, q: { model: string; replica?: string; step: SampleStep; fromMs: number }): TechRow[] {
  const rows = store
    .statement('SELECT * FROM tech_samples WHERE model = ? AND replica = ? AND step = ? AND at >= ? ORDER BY at')
    .all(q.model, q.replica ?? '', q.step, q.fromMs) as Row[];
  return rows.map((r) => ({
    model: r.model, replica: r.replica, step: r.step, at: r.at, samples: r.samples, calls: r.calls, success: r.success,
    failure: r.failure, error: r.error, busy: r.busy, restarts: r.restarts, requestBytes: r.request_bytes,
    responseBytes: r.response_bytes, p50: r.p50, p95: r.p95, p99: r.p99, cpu: r.cpu, rss: r.rss,
  }));
}

/** Calls, failed calls and the worst 1-minute p95 of each model since `fromMs` (for the overview). */
export function recentTotals(store: Store, fromMs: number): Map<string, { calls: number; failed: number; p95: number | null }> {
  const rows = store
    .statement(
      `SELECT model, SUM(calls) AS calls, SUM(failure + error) AS failed, MAX(p95) AS p95 FROM tech_samples
       WHERE replica = '' AND step = 60 AND at >= ? GROUP BY model`,
    )
    .all(fromMs) as Array<{ model: string; calls: number; failed: number; p95: number | null }>;
  return new Map(rows.map((r) => [r.model, { calls: r.calls, failed: r.failed, p95: r.p95 }]));
}

/** Deletes rows of `step` whose window started before `beforeMs`; returns how many. */
export function deleteSamplesBefore(store: Store, step: SampleStep, beforeMs: number): number {
  return Number(store.statement('DELETE FROM tech_samples WHERE step = ? AND at < ?').run(step, beforeMs).changes);
}
