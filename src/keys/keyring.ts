// Keys loaded into memory for the gateway, which checks a key on every call and must not query
// SQLite for it. The daemon loads a keyring at start and loads a new one after any key change
// (create, revoke, rotate); a keyring itself never changes.
import type { Store } from '../store/database.ts';
import { listAccessKeys, type StoredAccessKey } from '../store/access-keys.ts';
import { listApiKeyRows, type StoredApiKey } from '../store/api-keys.ts';
import { hashKey } from './digest.ts';
import { checkApiKey, type ApiKeyVerdict } from './verify-api-key.ts';

export type Keyring = {
  /** The model whose access key this is, or null. */
  modelForAccessKey(key: string): string | null;
  /** The same verdict as `verifyApiKey(store, ...)`, from memory. */
  verifyApiKey(key: string | null | undefined, model: string, now?: Date): ApiKeyVerdict;
};

/** A keyring over the given records; pure, for tests and for callers that already hold the rows. */
export function keyringFrom(accessKeys: readonly StoredAccessKey[], apiKeys: readonly StoredApiKey[]): Keyring {
  // Keyed by digest: the lookup's timing depends on the sha256 of what a caller sent, which
  // reveals nothing about stored keys.
  const modelsByHash = new Map(accessKeys.map((row) => [row.keyHash, row.model]));
  const apiKeysByPrefix = new Map<string, StoredApiKey[]>();
  for (const row of apiKeys) {
    const list = apiKeysByPrefix.get(row.prefix);
    if (list) list.push(row);
    else apiKeysByPrefix.set(row.prefix, [row]);
  }
  return {
    modelForAccessKey: (key) => modelsByHash.get(hashKey(key)) ?? null,
    verifyApiKey: (key, model, now = new Date()) =>
      checkApiKey((prefix) => apiKeysByPrefix.get(prefix) ?? [], key, model, now),
  };
}

/** Reads every access key and API key record from the store into a keyring. */
export function loadKeyring(store: Store): Keyring {
  return keyringFrom(listAccessKeys(store), listApiKeyRows(store));
}
