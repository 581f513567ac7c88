// Why a deployment ended, added to its record's reason (a canary rolled back, a shadow superseded),
// so history and status say it after the daemon restarts.
import type { Store } from './database.ts';

/** Appends `why` to deployment `id`'s reason. */
export function appendDeploymentReason(store: Store, id: number, why: string): void {
  store.statement("UPDATE deployments SET reason = reason || '; ' || ? WHERE id = ?").run(why, id);
}
