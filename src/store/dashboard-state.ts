// What the dashboard keeps across daemon restarts, in the store's `meta` table (no schema change):
// its sessions (by the sha256 of their id, principals without API keys: see ui/session.ts) and
// when each API key was last used (by prefix, which is not secret).
import type { SavedSession } from '../ui/session.ts';
import type { Store } from './database.ts';

const SESSIONS = 'dashboard_sessions';
const KEY_USE = 'api_key_last_used';

function write(store: Store, k: string, value: unknown): void {
  store.statement('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(k, JSON.stringify(value));
}

function read(store: Store, k: string): unknown {
  const row = store.statement('SELECT v FROM meta WHERE k = ?').get(k) as { v: string } | undefined;
  if (!row) return null;
  try {
    return JSON.parse(row.v) as unknown;
  } catch {
    // Unreadable state is forgotten: people log in again.
    return null;
  }
}

export function saveSessions(store: Store, sessions: readonly SavedSession[]): void {
  write(store, SESSIONS, sessions);
}

export function loadSessions(store: Store): SavedSession[] {
  const value = read(store, SESSIONS);
  return Array.isArray(value) ? (value as SavedSession[]) : [];
}

export function saveKeyUse(store: Store, lastUsed: Record<string, number>): void {
  write(store, KEY_USE, lastUsed);
}

export function loadKeyUse(store: Store): Record<string, number> {
  const value = read(store, KEY_USE);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, number>) : {};
}
