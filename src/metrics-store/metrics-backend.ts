// The cluster's metrics store: where in-cluster gateways put the metrics models track, so CML's
// metrics SDK (read_metrics, track_delayed_metrics, track_aggregate_metrics) works on a cluster as
// it does locally. One port, two implementations: node:sqlite on a PersistentVolumeClaim, or
// PostgreSQL (`pg`) when the target names one. Both pass the same test suite. The in-cluster
// gateways also store technical metrics here (tech-rows.ts), for the dashboard's charts. The shapes
// of a tracked metric and of a report are the local store's (store/metrics.ts): one definition for both.
import type { MetricsRecord, MetricValue, PredictionOwner } from '../store/metrics.ts';
import type { SampleStep, TechRow } from '../store/tech-samples.ts';
import type { RecentTotals, TechQuery, TechWrite } from './tech-rows.ts';
import type { CaptureQuery, StoredCapture } from './capture-rows.ts';

/** One tracked metric value, as stored, with when it was recorded in milliseconds since the epoch. */
export type TrackedMetric = MetricValue & { atMs: number };

/** The metrics of one call, or of one delayed or aggregate report. */
export type MetricsReport = MetricsRecord;

export type MetricsBackend = {
  /** Stores every entry of `report.metrics` at `atMs`, all or none. */
  record(report: MetricsReport, atMs: number): Promise<void>;
  /** A model's metrics between two times (inclusive), optionally of one deployment, oldest first. */
  between(model: string, range: { fromMs: number; toMs: number; deploymentId?: number | null }): Promise<TrackedMetric[]>;
  /** Who a prediction belongs to, or null for an unknown uuid. */
  predictionOwner(uuid: string): Promise<PredictionOwner | null>;
  /** Folds one round of 10 s samples taken at `atMs` into the rows of every step, all or none. */
  writeTech(atMs: number, samples: readonly TechWrite[]): Promise<void>;
  /** Technical rows of one model (replica '' for its totals) and step from `fromMs` on, oldest first. */
  readTech(q: TechQuery): Promise<TechRow[]>;
  /** Every model's calls, failed calls and worst 1-minute p95 since `fromMs`, by name. */
  recentTech(fromMs: number): Promise<RecentTotals[]>;
  /** Deletes technical rows of `step` whose window started before `beforeMs`; returns how many. */
  deleteTechBefore(step: SampleStep, beforeMs: number): Promise<number>;
  /** Stores captured calls (redacted by the gateway), all or none (capture-rows.ts). */
  insertCaptures(calls: readonly StoredCapture[]): Promise<void>;
  /** Calls of `model` captured at or after `sinceMs`. */
  countCaptures(model: string, sinceMs: number): Promise<number>;
  /** A model's captured calls, oldest first. */
  listCaptures(q: CaptureQuery): Promise<StoredCapture[]>;
  /** Deletes captured calls whose retention ended before `nowMs`; returns how many. */
  deleteExpiredCaptures(nowMs: number): Promise<number>;
  close(): Promise<void>;
};
