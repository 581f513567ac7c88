// Local rollouts (canary, shadow), one row per model: the controller's snapshot of the rollout in
// progress, written at each start and step and every few seconds for the window's counters, and
// the last one finished. A restarted daemon reads them back to go on with the first and still show
// the second (src/backends/local/local-rollouts.ts).
import type { RolloutSnapshot, RolloutState } from '../rollouts/rollout-controller.ts';
import type { Store } from './database.ts';

/** A saved rollout in progress: the snapshot, and shadow copies dropped before it was taken. */
export type SavedRollout = { snapshot: RolloutSnapshot; dropped: number };

/** The store's rollouts: those in progress, and the last finished per model. */
export type StoredRollouts = { running: Map<string, SavedRollout>; finished: Map<string, RolloutState> };

/** Saves the model's rollout in progress (its last finished one is kept). */
export function saveRollout(store: Store, model: string, saved: SavedRollout, at: number = Date.now()): void {
  store
    .statement(
      `INSERT INTO rollouts (model, snapshot, dropped, finished, saved_at) VALUES (?, ?, ?, NULL, ?)
       ON CONFLICT (model) DO UPDATE SET snapshot = excluded.snapshot, dropped = excluded.dropped, saved_at = excluded.saved_at`,
    )
    .run(model, JSON.stringify(saved.snapshot), saved.dropped, at);
}

/** The model's rollout ended as `finished`: nothing is left to resume. */
export function saveFinishedRollout(store: Store, model: string, finished: RolloutState | null, at: number = Date.now()): void {
  store
    .statement(
      `INSERT INTO rollouts (model, snapshot, dropped, finished, saved_at) VALUES (?, NULL, 0, ?, ?)
       ON CONFLICT (model) DO UPDATE SET snapshot = NULL, dropped = 0, finished = excluded.finished, saved_at = excluded.saved_at`,
    )
    .run(model, finished === null ? null : JSON.stringify(finished), at);
}

/**
 * Every saved rollout by model. A snapshot that does not parse (a file edited by hand) is reported
 * through `unreadable` and left out: its candidate then ends like any cut-short deploy.
 */
export function loadRollouts(store: Store, unreadable: (model: string, why: string) => void = () => {}): StoredRollouts {
  const rows = store.statement('SELECT model, snapshot, dropped, finished FROM rollouts ORDER BY model').all() as Array<{ model: string; snapshot: string | null; dropped: number; finished: string | null }>;
  const out: StoredRollouts = { running: new Map(), finished: new Map() };
  for (const row of rows) {
    try {
      if (row.finished !== null) out.finished.set(row.model, JSON.parse(row.finished) as RolloutState);
      if (row.snapshot === null) continue;
      const snapshot = JSON.parse(row.snapshot) as RolloutSnapshot;
      if (snapshot?.state?.model !== row.model || typeof snapshot.state.candidateDeploymentId !== 'number') throw new Error('not a rollout snapshot');
      out.running.set(row.model, { snapshot, dropped: row.dropped });
    } catch (error) {
      unreadable(row.model, (error as Error).message);
    }
  }
  return out;
}
