// Where API key records live, as a port: the local store's table, or a list kept as one document
// (a cluster's Secret, see backends/kubernetes/cluster-api-keys.ts). The keys module creates,
// lists and revokes through it, so both hold the same records made by the same code.
import type { Store } from '../store/database.ts';
import { insertApiKey, listApiKeyRows, revokeApiKeyRow, type NewApiKey, type StoredApiKey } from '../store/api-keys.ts';

export interface ApiKeyRecords {
  /** Records a key's hash and returns its new id. */
  insert(key: NewApiKey): number;
  /** Every record (revoked and expired ones too), by id. */
  list(): StoredApiKey[];
  /** Marks `id` revoked, keeping the first revocation time; false when there is no such key. */
  revoke(id: number, at: Date): boolean;
}

/** The local store's `api_keys` table. */
export function sqliteApiKeyRecords(store: Store): ApiKeyRecords {
  return {
    insert: (key) => insertApiKey(store, key),
    list: () => listApiKeyRows(store),
    revoke: (id, at) => revokeApiKeyRow(store, id, at),
  };
}

/**
 * Records kept as one list (`rows`, edited in place). A new id is one more than the largest, as
 * the store numbers them; keys are revoked, never removed, so an id keeps naming one key.
 */
export function listedApiKeyRecords(rows: StoredApiKey[]): ApiKeyRecords {
  return {
    insert(key) {
      const id = rows.reduce((max, r) => Math.max(max, r.id), 0) + 1;
      rows.push({
        id,
        name: key.name,
        keyHash: key.keyHash,
        prefix: key.prefix,
        models: key.models,
        createdAt: key.createdAt.toISOString(),
        expiresAt: key.expiresAt.toISOString(),
        revokedAt: null,
      });
      return id;
    },
    list: () => [...rows].sort((a, b) => a.id - b.id).map((r) => ({ ...r })),
    revoke(id, at) {
      const row = rows.find((r) => r.id === id);
      if (!row) return false;
      row.revokedAt ??= at.toISOString();
      return true;
    },
  };
}

/** `from` as records: a store is read through its table. */
export function apiKeyRecords(from: Store | ApiKeyRecords): ApiKeyRecords {
  return 'statement' in from ? sqliteApiKeyRecords(from) : from;
}
