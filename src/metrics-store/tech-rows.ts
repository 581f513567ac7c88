// Technical metrics in the cluster's metrics store: the rows the local store keeps
// (src/store/tech-samples.ts), with the same folding: one 10 s sample goes into its 10 s, 1 min and
// 1 h rows at once; counters add up, CPU and memory average over the samples, percentiles are
// those of the whole window so far (computed by the gateway that sampled). Schema and upsert here,
// for SQLite and PostgreSQL alike.
import type { SampleStep, TechRow, TechSample, WindowLatency } from '../store/tech-samples.ts';

/** One sample as a gateway sends it: the percentiles of each step's window come with it. */
export type TechWrite = TechSample & { latency: Record<SampleStep, WindowLatency> };

/** A read of one model's (and replica's, '' for the totals) rows of one step from `fromMs` on. */
export type TechQuery = { model: string; replica?: string; step: SampleStep; fromMs: number };

/** The table, for either database: column types both accept (SQLite maps them to its affinities). */
export const TECH_SCHEMA = `
CREATE TABLE IF NOT EXISTS tech_samples (
  model          TEXT NOT NULL,
  replica        TEXT NOT NULL,
  step           INTEGER NOT NULL CHECK (step IN (10, 60, 3600)),
  at             BIGINT NOT NULL,
  samples        INTEGER NOT NULL,
  calls          BIGINT NOT NULL,
  success        BIGINT NOT NULL,
  failure        BIGINT NOT NULL,
  error          BIGINT NOT NULL,
  busy           BIGINT NOT NULL,
  restarts       BIGINT NOT NULL,
  request_bytes  BIGINT NOT NULL,
  response_bytes BIGINT NOT NULL,
  p50            DOUBLE PRECISION,
  p95            DOUBLE PRECISION,
  p99            DOUBLE PRECISION,
  cpu            DOUBLE PRECISION,
  rss            DOUBLE PRECISION,
  PRIMARY KEY (model, replica, step, at)
);
CREATE INDEX IF NOT EXISTS tech_samples_by_age ON tech_samples (step, at);
`;

/**
 * The upsert, with `$1`…`$17` placeholders (PostgreSQL's; the SQLite backend turns them into
 * `?1`…). Columns of the stored row are qualified (`t.`), as PostgreSQL requires.
 */
export const TECH_UPSERT = `
INSERT INTO tech_samples AS t (model, replica, step, at, samples, calls, success, failure, error, busy, restarts,
  request_bytes, response_bytes, p50, p95, p99, cpu, rss)
VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (model, replica, step, at) DO UPDATE SET
  samples = t.samples + 1,
  calls = t.calls + excluded.calls, success = t.success + excluded.success, failure = t.failure + excluded.failure,
  error = t.error + excluded.error, busy = t.busy + excluded.busy, restarts = t.restarts + excluded.restarts,
  request_bytes = t.request_bytes + excluded.request_bytes, response_bytes = t.response_bytes + excluded.response_bytes,
  p50 = COALESCE(excluded.p50, t.p50), p95 = COALESCE(excluded.p95, t.p95), p99 = COALESCE(excluded.p99, t.p99),
  cpu = CASE WHEN excluded.cpu IS NULL THEN t.cpu WHEN t.cpu IS NULL THEN excluded.cpu ELSE (t.cpu * t.samples + excluded.cpu) / (t.samples + 1) END,
  rss = CASE WHEN excluded.rss IS NULL THEN t.rss WHEN t.rss IS NULL THEN excluded.rss ELSE (t.rss * t.samples + excluded.rss) / (t.samples + 1) END`;

export const TECH_SELECT = 'SELECT * FROM tech_samples WHERE model = $1 AND replica = $2 AND step = $3 AND at >= $4 ORDER BY at';
/** Each model's calls, failed calls and worst 1-minute p95 since `$1` (the overview's last hour). */
export const TECH_RECENT = `SELECT model, SUM(calls) AS calls, SUM(failure + error) AS failed, MAX(p95) AS p95 FROM tech_samples
  WHERE replica = '' AND step = 60 AND at >= $1 GROUP BY model ORDER BY model`;

/** One model's totals, as `GET /tech/recent` answers them. */
export type RecentTotals = { model: string; calls: number; failed: number; p95: number | null };

export function toRecent(r: Record<string, unknown>): RecentTotals {
  return { model: String(r.model), calls: Number(r.calls), failed: Number(r.failed), p95: r.p95 === null || r.p95 === undefined ? null : Number(r.p95) };
}

export const TECH_DELETE = 'DELETE FROM tech_samples WHERE step = $1 AND at < $2';

/** The upsert's parameters for one sample in one step's window starting at `at`. */
export function upsertParams(s: TechWrite, step: SampleStep, at: number): Array<string | number | null> {
  const l = s.latency[step];
  return [
    s.model, s.replica, step, at, s.calls, s.success, s.failure, s.error, s.busy, s.restarts,
    s.requestBytes, s.responseBytes, l.p50, l.p95, l.p99, s.cpu, s.rss,
  ];
}

/** A database row (BIGINTs may arrive as strings from `pg`) as the charts read it. */
export function toTechRow(r: Record<string, unknown>): TechRow {
  const n = (v: unknown): number => Number(v);
  const nullable = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    model: String(r.model), replica: String(r.replica), step: n(r.step) as SampleStep, at: n(r.at), samples: n(r.samples),
    calls: n(r.calls), success: n(r.success), failure: n(r.failure), error: n(r.error), busy: n(r.busy), restarts: n(r.restarts),
    requestBytes: n(r.request_bytes), responseBytes: n(r.response_bytes),
    p50: nullable(r.p50), p95: nullable(r.p95), p99: nullable(r.p99), cpu: nullable(r.cpu), rss: nullable(r.rss),
  };
}

const COUNTS = ['calls', 'success', 'failure', 'error', 'busy', 'restarts', 'requestBytes', 'responseBytes'] as const;
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isMeasure = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

/** The samples of a `POST /tech` body, or a message saying what is wrong with them. */
export function parseTechWrites(value: unknown): { ok: true; samples: TechWrite[] } | { ok: false; message: string } {
  if (!Array.isArray(value)) return { ok: false, message: '"samples" must be an array' };
  for (const [i, s] of value.entries()) {
    const where = `samples[${i}]`;
    if (typeof s !== 'object' || s === null) return { ok: false, message: `${where} must be an object` };
    const o = s as Record<string, unknown>;
    if (typeof o.model !== 'string' || o.model === '' || typeof o.replica !== 'string') return { ok: false, message: `${where} needs "model" (non-empty) and "replica" ('' for the model's totals)` };
    for (const f of COUNTS) if (!isCount(o[f])) return { ok: false, message: `${where}.${f} must be a whole number ≥ 0` };
    if (!isMeasure(o.cpu) || !isMeasure(o.rss)) return { ok: false, message: `${where}.cpu and .rss must be numbers ≥ 0 or null` };
    const latency = o.latency as Record<string, Record<string, unknown>> | undefined;
    for (const step of ['10', '60', '3600']) {
      const l = latency?.[step];
      if (!l || !isMeasure(l.p50 ?? null) || !isMeasure(l.p95 ?? null) || !isMeasure(l.p99 ?? null)) {
        return { ok: false, message: `${where}.latency.${step} must be {p50, p95, p99} (ms or null)` };
      }
    }
  }
  return { ok: true, samples: value as TechWrite[] };
}
