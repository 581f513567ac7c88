// What the dashboard keeps across daemon restarts: API keys' "last used" (saved every 10 s and at
// stop) and sessions (saved as they change, and at stop so idle times count across the restart).
import type { Store } from '../store/database.ts';
import { loadKeyUse, loadSessions, saveKeyUse, saveSessions } from '../store/dashboard-state.ts';
import { createKeyUse, type KeyUse } from '../ui/key-use.ts';
import { createSessions, type Sessions } from '../ui/session.ts';

export type DashboardState = { keyUse: KeyUse; sessions: Sessions; /** Saves both and stops the timer. */ close(): void };

/** Key use and sessions restored from `store`, and kept saved there. */
export function restoreDashboardState(store: Store, log: (line: string) => void): DashboardState {
  const keyUse = createKeyUse(loadKeyUse(store));
  const sessions = createSessions({ restored: loadSessions(store), changed: (saved) => saveSessions(store, saved) });
  const saveKeyUses = (): void => {
    const changed = keyUse.takeChanged();
    if (changed) saveKeyUse(store, changed);
  };
  const timer = setInterval(() => {
    try {
      saveKeyUses();
    } catch (error) {
      log(`cannot save when API keys were last used: ${(error as Error).message}`);
    }
  }, 10_000);
  timer.unref();
  return {
    keyUse,
    sessions,
    close() {
      clearInterval(timer);
      saveKeyUses();
      saveSessions(store, sessions.saved());
    },
  };
}
