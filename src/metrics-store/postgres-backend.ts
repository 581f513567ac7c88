// The metrics store on PostgreSQL (`pg`), for targets that name one:
// `metricsStore: {postgres: {urlFromEnv: …}}`. Same table as the SQLite store; values as jsonb.
import pg from 'pg';
import { STEPS, windowStart } from '../store/tech-samples.ts';
import type { MetricsBackend } from './metrics-backend.ts';
import { CAPTURE_COUNT, CAPTURE_EXPIRE, CAPTURE_INSERT, CAPTURE_NEWEST, CAPTURE_OLDEST, captureParams, captureSchema, toCapture } from './capture-rows.ts';
import { TECH_DELETE, TECH_RECENT, TECH_SCHEMA, TECH_SELECT, TECH_UPSERT, toRecent, toTechRow, upsertParams } from './tech-rows.ts';

const schema = `
CREATE TABLE IF NOT EXISTS tracked_metrics (
  id            BIGSERIAL PRIMARY KEY,
  model         TEXT NOT NULL,
  deployment_id BIGINT,
  replica_id    TEXT,
  uuid          TEXT,
  name          TEXT NOT NULL,
  value         JSONB NOT NULL,
  at_ms         BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS tracked_metrics_by_model ON tracked_metrics (model, at_ms);
CREATE INDEX IF NOT EXISTS tracked_metrics_by_uuid ON tracked_metrics (uuid);
`;

type Row = { model: string; deployment_id: string | null; replica_id: string | null; uuid: string | null; name: string; value: unknown; at_ms: string };

/** Connects to `url` (a postgres:// URL), creates the table when missing. */
export async function openPostgresMetrics(url: string): Promise<MetricsBackend> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query(schema);
  await pool.query(TECH_SCHEMA);
  await pool.query(captureSchema('BIGSERIAL PRIMARY KEY'));
  return {
    async record(report, atMs) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const [name, value] of Object.entries(report.metrics)) {
          await client.query(
            'INSERT INTO tracked_metrics (model, deployment_id, replica_id, uuid, name, value, at_ms) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)',
            [report.model, report.deploymentId ?? null, report.replicaId ?? null, report.uuid ?? null, name, JSON.stringify(value ?? null), atMs],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async between(model, r) {
      const result = await pool.query<Row>(
        `SELECT model, deployment_id, replica_id, uuid, name, value, at_ms FROM tracked_metrics
         WHERE model = $1 AND at_ms >= $2 AND at_ms <= $3 AND ($4::bigint IS NULL OR deployment_id = $4) ORDER BY at_ms, id`,
        [model, r.fromMs, r.toMs, r.deploymentId ?? null],
      );
      return result.rows.map((row) => ({
        model: row.model, deploymentId: row.deployment_id === null ? null : Number(row.deployment_id), replicaId: row.replica_id,
        uuid: row.uuid, name: row.name, value: row.value, atMs: Number(row.at_ms),
      }));
    },
    async predictionOwner(uuid) {
      const result = await pool.query<{ model: string; deployment_id: string | null }>('SELECT model, deployment_id FROM tracked_metrics WHERE uuid = $1 ORDER BY id LIMIT 1', [uuid]);
      const row = result.rows[0];
      return row ? { model: row.model, deploymentId: row.deployment_id === null ? null : Number(row.deployment_id) } : null;
    },
    async writeTech(atMs, samples) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const sample of samples) {
          for (const step of STEPS) await client.query(TECH_UPSERT, upsertParams(sample, step, windowStart(atMs, step)));
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async readTech(q) {
      const result = await pool.query(TECH_SELECT, [q.model, q.replica ?? '', q.step, q.fromMs]);
      return result.rows.map(toTechRow);
    },
    async recentTech(fromMs) {
      return (await pool.query(TECH_RECENT, [fromMs])).rows.map(toRecent);
    },
    async deleteTechBefore(step, beforeMs) {
      return (await pool.query(TECH_DELETE, [step, beforeMs])).rowCount ?? 0;
    },
    async insertCaptures(calls) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const call of calls) await client.query(CAPTURE_INSERT, captureParams(call));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async countCaptures(model, sinceMs) {
      return Number((await pool.query<{ n: string }>(CAPTURE_COUNT, [model, sinceMs])).rows[0]!.n);
    },
    async listCaptures(q) {
      return (await pool.query(q.newest ? CAPTURE_NEWEST : CAPTURE_OLDEST, [q.model, q.sinceMs, q.limit])).rows.map(toCapture);
    },
    async deleteExpiredCaptures(nowMs) {
      return (await pool.query(CAPTURE_EXPIRE, [nowMs])).rowCount ?? 0;
    },
    async close() {
      await pool.end();
    },
  };
}
