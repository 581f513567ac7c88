// Captured calls in the cluster's metrics store: sampled live calls the in-cluster gateways send
// (already redacted there; never headers). The local store's shape (store/captures.ts), plus when
// each row expires, fixed when it is written from its model's `capture.retentionDays`. Queries
// here for SQLite and PostgreSQL alike (`$n` placeholders; the SQLite backend numbers them `?n`).
import type { CapturedCall } from '../store/captures.ts';

/** A captured call as the store keeps it. */
export type StoredCapture = CapturedCall & { expiresMs: number };

/** How a gateway's batch says to keep one model's calls. */
export type CaptureKeep = { maxPerDay: number; retentionDays: number };

/** The table for one database: `id` is the only column whose type differs. */
export function captureSchema(id: 'INTEGER PRIMARY KEY AUTOINCREMENT' | 'BIGSERIAL PRIMARY KEY'): string {
  return `
CREATE TABLE IF NOT EXISTS captured_calls (
  id            ${id},
  model         TEXT NOT NULL,
  deployment_id BIGINT NOT NULL,
  build         BIGINT NOT NULL,
  at_ms         BIGINT NOT NULL,
  latency_ms    DOUBLE PRECISION NOT NULL,
  status        INTEGER NOT NULL,
  outcome       TEXT NOT NULL,
  request       TEXT NOT NULL,
  response      TEXT,
  expires_ms    BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS captured_calls_by_model ON captured_calls (model, at_ms);
CREATE INDEX IF NOT EXISTS captured_calls_by_expiry ON captured_calls (expires_ms);
`;
}

export const CAPTURE_INSERT = `INSERT INTO captured_calls (model, deployment_id, build, at_ms, latency_ms, status, outcome, request, response, expires_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const COLUMNS = 'id, model, deployment_id, build, at_ms, latency_ms, status, outcome, request, response, expires_ms';
/** Oldest first from `$2`, at most `$3`. */
export const CAPTURE_OLDEST = `SELECT ${COLUMNS} FROM captured_calls WHERE model = $1 AND at_ms >= $2 ORDER BY at_ms, id LIMIT $3`;
/** The newest `$3` from `$2`, oldest first (a diff's most recent calls). */
export const CAPTURE_NEWEST = `SELECT * FROM (SELECT ${COLUMNS} FROM captured_calls WHERE model = $1 AND at_ms >= $2 ORDER BY at_ms DESC, id DESC LIMIT $3) AS newest ORDER BY at_ms, id`;
export const CAPTURE_COUNT = 'SELECT COUNT(*) AS n FROM captured_calls WHERE model = $1 AND at_ms >= $2';
export const CAPTURE_EXPIRE = 'DELETE FROM captured_calls WHERE expires_ms < $1';

/** The insert's parameters. */
export function captureParams(c: StoredCapture): Array<string | number | null> {
  return [c.model, c.deploymentId, c.build, c.at, c.latencyMs, c.status, c.outcome, c.request, c.response, c.expiresMs];
}

/** A database row (BIGINTs may arrive as strings from `pg`) as a captured call. */
export function toCapture(r: Record<string, unknown>): StoredCapture {
  return {
    model: String(r.model), deploymentId: Number(r.deployment_id), build: Number(r.build), at: Number(r.at_ms), latencyMs: Number(r.latency_ms),
    status: Number(r.status), outcome: String(r.outcome), request: String(r.request), response: r.response === null || r.response === undefined ? null : String(r.response),
    expiresMs: Number(r.expires_ms),
  };
}

/** A list query: from `sinceMs`, at most `limit`, the oldest (export) or the newest (diff) of them. */
export type CaptureQuery = { model: string; sinceMs: number; limit: number; newest: boolean };

const DAY_MS = 86_400_000;

/**
 * Which calls of a gateway's batch are kept: per model, as many as its `maxPerDay` still allows
 * today (`storedToday` counts what is stored since the UTC day began; several gateway replicas
 * each cap what they send, the store caps the sum), each expiring `retentionDays` after it was made.
 * Pure: test/metrics-store/capture-store-suite.ts.
 */
export function keptCaptures(calls: readonly CapturedCall[], keep: ReadonlyMap<string, CaptureKeep>, storedToday: ReadonlyMap<string, number>): StoredCapture[] {
  const room = new Map<string, number>();
  const kept: StoredCapture[] = [];
  for (const call of calls) {
    const k = keep.get(call.model) ?? { maxPerDay: Number.MAX_SAFE_INTEGER, retentionDays: 14 };
    const left = room.get(call.model) ?? k.maxPerDay - (storedToday.get(call.model) ?? 0);
    if (left <= 0) continue;
    room.set(call.model, left - 1);
    kept.push({ ...call, expiresMs: call.at + k.retentionDays * DAY_MS });
  }
  return kept;
}

/** Start of the UTC day of `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

/** The calls and keep settings of a `POST /captures` body, or what is wrong with it. */
export function parseCaptureBatch(body: Record<string, unknown>): { ok: true; calls: CapturedCall[]; keep: Map<string, CaptureKeep> } | { ok: false; message: string } {
  if (!Array.isArray(body.calls)) return { ok: false, message: '"calls" must be an array' };
  const keep = new Map<string, CaptureKeep>();
  const rawKeep = (body.keep ?? {}) as Record<string, { maxPerDay?: unknown; retentionDays?: unknown }>;
  if (typeof rawKeep !== 'object' || rawKeep === null) return { ok: false, message: '"keep" must map models to {maxPerDay, retentionDays}' };
  for (const [model, k] of Object.entries(rawKeep)) {
    if (!isInt(k?.maxPerDay) || !(typeof k?.retentionDays === 'number' && k.retentionDays > 0)) return { ok: false, message: `keep.${model} must be {maxPerDay: whole number, retentionDays: > 0}` };
    keep.set(model, { maxPerDay: k.maxPerDay as number, retentionDays: k.retentionDays });
  }
  for (const [i, c] of (body.calls as unknown[]).entries()) {
    const o = c as Record<string, unknown>;
    const ok = typeof o === 'object' && o !== null && typeof o.model === 'string' && o.model !== '' && isInt(o.deploymentId) && isInt(o.build) && isInt(o.at)
      && typeof o.latencyMs === 'number' && isInt(o.status) && typeof o.outcome === 'string' && typeof o.request === 'string'
      && (o.response === null || typeof o.response === 'string');
    if (!ok) return { ok: false, message: `calls[${i}] must be {model, deploymentId, build, at, latencyMs, status, outcome, request, response} as the gateway's recorder makes them` };
  }
  return { ok: true, calls: body.calls as CapturedCall[], keep };
}
