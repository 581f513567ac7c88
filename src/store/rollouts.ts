// Local rollouts in progress (canary, shadow), one row per model: the controller's snapshot,
// written at each start and step and every few seconds for the window's counters, removed when the
// rollout ends. A restarted daemon reads them back to go on (src/backends/local/local-rollouts.ts).
import type { RolloutSnapshot } from '../rollouts/rollout-controller.ts';
import type { Store } from './database.ts';

/** A saved rollout: the snapshot, and shadow copies dropped before it was taken. */
export type SavedRollout = { snapshot: RolloutSnapshot; dropped: number };

/** Saves the model's rollout, or forgets it (`null`: it ended). */
export function saveRollout(store: Store, model: string, saved: SavedRollout | null, at: number = Date.now()): void {
  if (saved === null) {
    store.statement('DELETE FROM rollouts WHERE model = ?').run(model);
    return;
  }
  store
    .statement(
      `INSERT INTO rollouts (model, snapshot, dropped, saved_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (model) DO UPDATE SET snapshot = excluded.snapshot, dropped = excluded.dropped, saved_at = excluded.saved_at`,
    )
    .run(model, JSON.stringify(saved.snapshot), saved.dropped, at);
}

/**
 * Every saved rollout by model. A row that does not parse (a file edited by hand) is reported
 * through `unreadable` and left out: its candidate is then ended like any cut-short deploy.
 */
export function loadRollouts(store: Store, unreadable: (model: string, why: string) => void = () => {}): Map<string, SavedRollout> {
  const rows = store.statement('SELECT model, snapshot, dropped FROM rollouts ORDER BY model').all() as Array<{ model: string; snapshot: string; dropped: number }>;
  const out = new Map<string, SavedRollout>();
  for (const row of rows) {
    try {
      const snapshot = JSON.parse(row.snapshot) as RolloutSnapshot;
      if (snapshot?.state?.model !== row.model || typeof snapshot.state.candidateDeploymentId !== 'number') throw new Error('not a rollout snapshot');
      out.set(row.model, { snapshot, dropped: row.dropped });
    } catch (error) {
      unreadable(row.model, (error as Error).message);
    }
  }
  return out;
}
