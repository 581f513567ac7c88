// The cluster's metrics store: where in-cluster gateways put the metrics models track, so CML's
// metrics SDK (read_metrics, track_delayed_metrics, track_aggregate_metrics) works on a cluster as
// it does locally. One port, two implementations: node:sqlite on a PersistentVolumeClaim, or
// PostgreSQL (`pg`) when the target names one. Both pass the same test suite. The shapes of a
// metric and of a report are the local store's (store/metrics.ts): one definition for both.
import type { MetricsRecord, MetricValue, PredictionOwner } from '../store/metrics.ts';

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
  close(): Promise<void>;
};
