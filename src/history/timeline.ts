// "What was live when", as pure functions over plain deployment records, whichever backend they
// come from (local-records.ts reads the store; a cluster's records could feed the same).
//
// A deployment serves from when traffic moved to it until it was replaced, stopped by a delete, or
// forever. The store records when a deployment started (its replicas began to start) and when it
// stopped, not when traffic moved; but traffic moves to it at the instant the one before it is
// marked superseded, so a deployment serves from the later of its own start and the end of the
// model's previous serving deployment. A deployment that failed never served.
import { actorKind, type ActorKind } from './actor.ts';
import type { GateSummary } from './gate-summary.ts';

/** One deployment as history needs it; env holds variable names only, never values. */
export type HistoryRecord = {
  model: string;
  deploymentId: number;
  build: number;
  /** The build key (a content hash), null when the record does not say. */
  buildKey: string | null;
  commit: string | null;
  actor: string | null;
  /** `running` or `stopped`: what the apply asked for. */
  state: string;
  /** The record's status as stored (active, superseded, failed, deleted, deploying). */
  status: string;
  serving: { replicas: number; env: string[]; [setting: string]: unknown };
  reason: string | null;
  startedAt: string;
  stoppedAt: string | null;
  /** What its examples gate found before it took traffic; null when it was not gated. */
  gate?: GateSummary | null;
};

/** A record placed on its model's timeline. */
export type TimelineEntry = HistoryRecord & {
  actorKind: ActorKind;
  /** When it began to serve; null when it never did (failed, or still deploying). */
  servedFrom: string | null;
  /** When it stopped serving; null while it serves (or when it never did). */
  servedUntil: string | null;
};

const ms = (iso: string): number => Date.parse(iso);

/** Whether a record ever took traffic (or, stopped, was the model's live deployment). */
function served(r: HistoryRecord, isLatest: boolean): boolean {
  if (r.status === 'failed') return false;
  // Still starting: the previous deployment serves until it is active.
  if (r.status === 'deploying' && isLatest) return false;
  return true;
}

/** Every record on its model's timeline, ordered by model then deployment id. */
export function timeline(records: readonly HistoryRecord[]): TimelineEntry[] {
  const byModel = new Map<string, HistoryRecord[]>();
  for (const r of records) {
    const list = byModel.get(r.model) ?? [];
    list.push(r);
    byModel.set(r.model, list);
  }
  const entries: TimelineEntry[] = [];
  for (const model of [...byModel.keys()].sort()) {
    const list = byModel.get(model)!.slice().sort((a, b) => a.deploymentId - b.deploymentId);
    let previousEnd: string | null = null;
    list.forEach((r, i) => {
      const serves = served(r, i === list.length - 1);
      let servedFrom: string | null = null;
      if (serves) {
        servedFrom = previousEnd !== null && ms(previousEnd) > ms(r.startedAt) ? previousEnd : r.startedAt;
        previousEnd = r.stoppedAt;
      }
      entries.push({ ...r, actorKind: actorKind(r.actor), servedFrom, servedUntil: serves ? r.stoppedAt : null });
    });
  }
  return entries;
}

/**
 * For each model, the deployment that served at instant `at` (from ≤ at < until), by model name.
 * A model with nothing serving then (not yet created, deleted, or only failed deployments) is absent.
 */
export function liveAt(records: readonly HistoryRecord[], at: Date): TimelineEntry[] {
  const t = at.getTime();
  return timeline(records).filter(
    (e) => e.servedFrom !== null && ms(e.servedFrom) <= t && (e.servedUntil === null || ms(e.servedUntil) > t),
  );
}

/** The audit export: one JSON object a line, every record with its commit, oldest deployment first. */
export function auditLines(records: readonly HistoryRecord[]): string {
  const entries = timeline(records).sort((a, b) => a.deploymentId - b.deploymentId);
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/**
 * Reads `--at`: an ISO 8601 instant with a zone (`2026-11-20T14:00Z`, `…+01:00`) or a date (midnight UTC).
 * @throws Error saying what form is expected.
 */
export function parseInstant(text: string): Date {
  const trimmed = text.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(trimmed);
  const parsed = dateOnly ? new Date(`${trimmed}T00:00:00Z`) : zoned ? new Date(trimmed) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    throw new Error(`--at ${JSON.stringify(text)} is not an instant; write it as 2026-11-20T14:00Z (UTC) or 2026-11-20T15:00+01:00`);
  }
  return parsed;
}
