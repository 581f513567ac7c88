// When each API key was last accepted by the gateway, kept in memory (the keys page says "not
// since the daemon started" otherwise): one Map.set per authorized call, no store write.
import { apiKeyPrefix, isApiKeyShaped } from '../keys/api-key-format.ts';

export type KeyUse = {
  /** Notes a call the gateway accepted with this API key. */
  used(key: string | null, atMs: number): void;
  lastUsed(prefix: string): string | null;
};

export function createKeyUse(): KeyUse {
  const last = new Map<string, number>();
  return {
    used(key, atMs) {
      if (key && isApiKeyShaped(key)) last.set(apiKeyPrefix(key), atMs);
    },
    lastUsed(prefix) {
      const ms = last.get(prefix);
      return ms === undefined ? null : new Date(ms).toISOString();
    },
  };
}
