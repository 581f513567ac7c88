// Captured calls (store version 6): sampled live calls of models with `capture` declared, already
// redacted when they arrive here, and each model's capture settings as last applied.
import type { CaptureSettings } from '../spec/types.ts';
import type { Store } from './database.ts';

/** One captured call as stored; `request` and `response` are JSON text. */
export type CapturedCall = {
  model: string;
  deploymentId: number;
  build: number;
  /** When the call was accepted, ms since the epoch. */
  at: number;
  latencyMs: number;
  status: number;
  outcome: string;
  request: string;
  response: string | null;
};

/**
 * Writes a batch of captured calls in one transaction, with one prepared statement. Not durable
 * (database.ts, Store.transaction): captures are samples, and losing the last second of them to a
 * power cut is better than stalling calls on a disk sync once a second.
 */
export function insertCaptures(store: Store, calls: readonly CapturedCall[]): void {
  if (calls.length === 0) return;
  const insert = store.statement(
    'INSERT INTO captures (model, deployment_id, build_number, at, latency_ms, status, outcome, request, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  store.transaction(() => {
    for (const c of calls) insert.run(c.model, c.deploymentId, c.build, c.at, c.latencyMs, c.status, c.outcome, c.request, c.response);
  }, { durable: false });
}

/** A model's captured calls since `sinceMs` (inclusive), oldest first, at most `limit`. */
export function listCaptures(store: Store, model: string, sinceMs = 0, limit = Number.MAX_SAFE_INTEGER): CapturedCall[] {
  const rows = store.statement(
    'SELECT model, deployment_id, build_number, at, latency_ms, status, outcome, request, response FROM captures WHERE model = ? AND at >= ? ORDER BY at, id LIMIT ?',
  ).all(model, sinceMs, limit) as Row[];
  return rows.map(fromRow);
}

/**
 * A model's newest `count` captured calls, oldest first. Only those rows are read (newest first,
 * with a limit): a diff's sample is a few thousand of a store that may hold many more.
 */
export function recentCaptures(store: Store, model: string, count: number): CapturedCall[] {
  const rows = store.statement(
    'SELECT model, deployment_id, build_number, at, latency_ms, status, outcome, request, response FROM captures WHERE model = ? ORDER BY at DESC, id DESC LIMIT ?',
  ).all(model, count) as Row[];
  return rows.reverse().map(fromRow);
}

type Row = Record<string, string | number | null>;

function fromRow(r: Row): CapturedCall {
  return {
    model: r.model as string, deploymentId: r.deployment_id as number, build: r.build_number as number, at: r.at as number,
    latencyMs: r.latency_ms as number, status: r.status as number, outcome: r.outcome as string,
    request: r.request as string, response: r.response as string | null,
  };
}

/** Calls of `model` captured at or after `sinceMs` (the daily cap counts from the day's start). */
export function countCaptures(store: Store, model: string, sinceMs: number): number {
  const row = store.statement('SELECT COUNT(*) AS n FROM captures WHERE model = ? AND at >= ?').get(model, sinceMs) as { n: number };
  return row.n;
}

/**
 * Deletes captured calls past their model's retention (`retentionDays` of its settings, or
 * `defaultDays` for a model whose capture was switched off since). Returns how many went.
 */
export function pruneCaptures(store: Store, nowMs: number, defaultDays = 14): number {
  const settings = loadCaptureSettings(store);
  let deleted = 0;
  const models = store.statement('SELECT DISTINCT model FROM captures').all() as { model: string }[];
  const remove = store.statement('DELETE FROM captures WHERE model = ? AND at < ?');
  store.transaction(() => {
    for (const { model } of models) {
      const days = settings.get(model)?.retentionDays ?? defaultDays;
      deleted += Number(remove.run(model, nowMs - days * 86_400_000).changes);
    }
  });
  return deleted;
}

/** Replaces the capture settings of every model: those in `settings` capture, all others not. */
export function saveCaptureSettings(store: Store, settings: ReadonlyMap<string, CaptureSettings>): void {
  store.transaction(() => {
    store.statement('DELETE FROM capture_settings').run();
    const insert = store.statement('INSERT INTO capture_settings (model, settings) VALUES (?, ?)');
    for (const [model, s] of settings) insert.run(model, JSON.stringify(s));
  });
}

/** Capture settings by model, as last saved. */
export function loadCaptureSettings(store: Store): Map<string, CaptureSettings> {
  const rows = store.statement('SELECT model, settings FROM capture_settings').all() as { model: string; settings: string }[];
  return new Map(rows.map((r) => [r.model, JSON.parse(r.settings) as CaptureSettings]));
}
