// When each API key was last accepted by the gateway: one Map.set per authorized call, no store
// write on the call path. The daemon saves what changed every few seconds and on stop, and starts
// from what was saved, so "last used" survives a restart.
import { apiKeyPrefix, isApiKeyShaped } from '../keys/api-key-format.ts';

export type KeyUse = {
  /** Notes a call the gateway accepted with this API key. */
  used(key: string | null, atMs: number): void;
  lastUsed(prefix: string): string | null;
  /** Every key's last use (ms) by prefix when any changed since the last call, else null. */
  takeChanged(): Record<string, number> | null;
};

export function createKeyUse(initial: Record<string, number> = {}): KeyUse {
  const last = new Map<string, number>(Object.entries(initial));
  let dirty = false;
  return {
    used(key, atMs) {
      if (key && isApiKeyShaped(key)) {
        last.set(apiKeyPrefix(key), atMs);
        dirty = true;
      }
    },
    takeChanged() {
      if (!dirty) return null;
      dirty = false;
      return Object.fromEntries(last);
    },
    lastUsed(prefix) {
      const ms = last.get(prefix);
      return ms === undefined ? null : new Date(ms).toISOString();
    },
  };
}
