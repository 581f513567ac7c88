// The metrics store on node:sqlite: one file (on the StatefulSet's PersistentVolumeClaim), WAL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { STEPS, windowStart } from '../store/tech-samples.ts';
import type { MetricsBackend, TrackedMetric } from './metrics-backend.ts';
import { CAPTURE_COUNT, CAPTURE_EXPIRE, CAPTURE_INSERT, CAPTURE_NEWEST, CAPTURE_OLDEST, captureParams, captureSchema, toCapture } from './capture-rows.ts';
import { TECH_DELETE, TECH_RECENT, TECH_SCHEMA, TECH_SELECT, TECH_UPSERT, toRecent, toTechRow, upsertParams } from './tech-rows.ts';

const schema = `
CREATE TABLE IF NOT EXISTS tracked_metrics (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  model         TEXT NOT NULL,
  deployment_id INTEGER,
  replica_id    TEXT,
  uuid          TEXT,
  name          TEXT NOT NULL,
  value         TEXT NOT NULL,
  at_ms         INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS tracked_metrics_by_model ON tracked_metrics (model, at_ms);
CREATE INDEX IF NOT EXISTS tracked_metrics_by_uuid ON tracked_metrics (uuid);
`;

type Row = { model: string; deployment_id: number | null; replica_id: string | null; uuid: string | null; name: string; value: string; at_ms: number };

export function toTracked(row: Row): TrackedMetric {
  return {
    model: row.model, deploymentId: row.deployment_id === null ? null : Number(row.deployment_id), replicaId: row.replica_id, uuid: row.uuid,
    name: row.name, value: JSON.parse(row.value) as unknown, atMs: Number(row.at_ms),
  };
}

/** Opens (creating) the metrics store file at `path`, or an in-memory one for `:memory:`. */
export function openSqliteMetrics(path: string): MetricsBackend {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 5000 });
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec(schema);
  db.exec(TECH_SCHEMA);
  db.exec(captureSchema('INTEGER PRIMARY KEY AUTOINCREMENT'));
  // PostgreSQL's `$1` placeholders as SQLite's numbered `?1`.
  const numbered = (sql: string) => sql.replace(/\$(\d+)/g, '?$1');
  const upsertTech = db.prepare(numbered(TECH_UPSERT));
  const selectTech = db.prepare(numbered(TECH_SELECT));
  const deleteTech = db.prepare(numbered(TECH_DELETE));
  const recentTech = db.prepare(numbered(TECH_RECENT));
  const insertCapture = db.prepare(numbered(CAPTURE_INSERT));
  const capturesOldest = db.prepare(numbered(CAPTURE_OLDEST));
  const capturesNewest = db.prepare(numbered(CAPTURE_NEWEST));
  const countCaptures = db.prepare(numbered(CAPTURE_COUNT));
  const expireCaptures = db.prepare(numbered(CAPTURE_EXPIRE));
  const insert = db.prepare('INSERT INTO tracked_metrics (model, deployment_id, replica_id, uuid, name, value, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const range = db.prepare(
    `SELECT model, deployment_id, replica_id, uuid, name, value, at_ms FROM tracked_metrics
     WHERE model = ?1 AND at_ms >= ?2 AND at_ms <= ?3 AND (?4 IS NULL OR deployment_id = ?4) ORDER BY at_ms, id`,
  );
  const owner = db.prepare('SELECT model, deployment_id FROM tracked_metrics WHERE uuid = ? ORDER BY id LIMIT 1');
  return {
    async record(report, atMs) {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const [name, value] of Object.entries(report.metrics)) {
          insert.run(report.model, report.deploymentId ?? null, report.replicaId ?? null, report.uuid ?? null, name, JSON.stringify(value ?? null), atMs);
        }
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async between(model, r) {
      return (range.all(model, r.fromMs, r.toMs, r.deploymentId ?? null) as Row[]).map(toTracked);
    },
    async predictionOwner(uuid) {
      const row = owner.get(uuid) as { model: string; deployment_id: number | null } | undefined;
      return row ? { model: row.model, deploymentId: row.deployment_id } : null;
    },
    async writeTech(atMs, samples) {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const sample of samples) for (const step of STEPS) upsertTech.run(...upsertParams(sample, step, windowStart(atMs, step)));
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async readTech(q) {
      return (selectTech.all(q.model, q.replica ?? '', q.step, q.fromMs) as Array<Record<string, unknown>>).map(toTechRow);
    },
    async recentTech(fromMs) {
      return (recentTech.all(fromMs) as Array<Record<string, unknown>>).map(toRecent);
    },
    async deleteTechBefore(step, beforeMs) {
      return Number(deleteTech.run(step, beforeMs).changes);
    },
    async insertCaptures(calls) {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const call of calls) insertCapture.run(...captureParams(call));
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async countCaptures(model, sinceMs) {
      return Number((countCaptures.get(model, sinceMs) as { n: number }).n);
    },
    async listCaptures(q) {
      return ((q.newest ? capturesNewest : capturesOldest).all(q.model, q.sinceMs, q.limit) as Array<Record<string, unknown>>).map(toCapture);
    },
    async deleteExpiredCaptures(nowMs) {
      return Number(expireCaptures.run(nowMs).changes);
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
