// Metrics tracked by models (cdsw.track_metric and friends). Replicas never touch the database:
// metrics travel back to the gateway with each response and are recorded here.
import type { Store } from './database.ts';

/** One tracked metric value, wherever it is stored (this store, or the cluster's metrics store). */
export type MetricValue = {
  model: string;
  deploymentId: number | null;
  replicaId: string | null;
  /** The prediction's uuid for metrics-enabled models; null for metrics not tied to one call. */
  uuid: string | null;
  name: string;
  value: unknown;
};

export type StoredMetric = MetricValue & { id: number; createdAt: string };

/** The model and deployment a prediction belongs to. */
export type PredictionOwner = { model: string; deploymentId: number | null };

type MetricRow = {
  id: number;
  model: string;
  deployment_id: number | null;
  replica_id: string | null;
  uuid: string | null;
  name: string;
  value: string;
  created_at: string;
};

/** The metrics of one call, or of one delayed or aggregate report. */
export type MetricsRecord = {
  model: string;
  deploymentId?: number | null;
  replicaId?: string | null;
  uuid?: string | null;
  /** Metric name to JSON-encodable value; one row per entry. */
  metrics: Record<string, unknown>;
};

/** Stores the metrics of one call (or one delayed / aggregate report) in one transaction. */
export function recordMetrics(store: Store, record: MetricsRecord, at: Date = new Date()): void {
  const insert = store.statement(
    `INSERT INTO metrics (model, deployment_id, replica_id, uuid, name, value, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  store.transaction(() => {
    for (const [name, value] of Object.entries(record.metrics)) {
      insert.run(
        record.model,
        record.deploymentId ?? null,
        record.replicaId ?? null,
        record.uuid ?? null,
        name,
        JSON.stringify(value ?? null),
        at.toISOString(),
      );
    }
  });
}

export type MetricsQuery = {
  /** Only the metrics of this prediction. */
  uuid?: string;
  /** Only metrics recorded at or after this time. */
  since?: Date;
};

/** A model's metrics, oldest first, optionally for one prediction or from a point in time. */
export function readMetrics(store: Store, model: string, query: MetricsQuery = {}): StoredMetric[] {
  const rows = store
    .statement(
      `SELECT id, model, deployment_id, replica_id, uuid, name, value, created_at FROM metrics
       WHERE model = ? AND (?2 IS NULL OR uuid = ?2) AND (?3 IS NULL OR created_at >= ?3)
       ORDER BY created_at, id`,
    )
    .all(model, query.uuid ?? null, query.since?.toISOString() ?? null) as MetricRow[];
  return rows.map(toMetric);
}

/** Metrics of a model between two times (inclusive), optionally of one deployment, oldest first. */
export function metricsBetween(
  store: Store,
  model: string,
  range: { from: Date; to: Date; deploymentId?: number | null },
): StoredMetric[] {
  const rows = store
    .statement(
      `SELECT id, model, deployment_id, replica_id, uuid, name, value, created_at FROM metrics
       WHERE model = ?1 AND created_at >= ?2 AND created_at <= ?3 AND (?4 IS NULL OR deployment_id = ?4)
       ORDER BY created_at, id`,
    )
    .all(model, range.from.toISOString(), range.to.toISOString(), range.deploymentId ?? null) as MetricRow[];
  return rows.map(toMetric);
}

/** The model and deployment a prediction's metrics were recorded for, or null for an unknown uuid. */
export function predictionOwner(store: Store, uuid: string): PredictionOwner | null {
  const row = store.statement('SELECT model, deployment_id FROM metrics WHERE uuid = ? ORDER BY id LIMIT 1').get(uuid) as
    | { model: string; deployment_id: number | null }
    | undefined;
  return row ? { model: row.model, deploymentId: row.deployment_id } : null;
}

function toMetric(row: MetricRow): StoredMetric {
  return {
    id: row.id,
    model: row.model,
    deploymentId: row.deployment_id,
    replicaId: row.replica_id,
    uuid: row.uuid,
    name: row.name,
    value: JSON.parse(row.value) as unknown,
    createdAt: row.created_at,
  };
}
