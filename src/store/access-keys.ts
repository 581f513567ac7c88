// Stored access keys: one hash per model. Plaintext keys never reach the store; see src/keys/.
import type { Store } from './database.ts';

export type StoredAccessKey = { model: string; keyHash: string; createdAt: string };

type AccessKeyRow = { model: string; key_hash: string; created_at: string };

function toAccessKey(row: AccessKeyRow): StoredAccessKey {
  return { model: row.model, keyHash: row.key_hash, createdAt: row.created_at };
}

/** Sets the model's access key hash, replacing any earlier one in the same statement. */
export function putAccessKeyHash(store: Store, model: string, keyHash: string, at: Date = new Date()): void {
  store
    .statement(
      `INSERT INTO access_keys (model, key_hash, created_at) VALUES (?, ?, ?)
       ON CONFLICT (model) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at`,
    )
    .run(model, keyHash, at.toISOString());
}

/** The model whose access key hashes to `keyHash`, or null. */
export function findAccessKeyByHash(store: Store, keyHash: string): StoredAccessKey | null {
  const row = store.statement('SELECT model, key_hash, created_at FROM access_keys WHERE key_hash = ?').get(keyHash) as
    | AccessKeyRow
    | undefined;
  return row ? toAccessKey(row) : null;
}

/** The model's access key record, or null when it has none yet. */
export function getAccessKey(store: Store, model: string): StoredAccessKey | null {
  const row = store.statement('SELECT model, key_hash, created_at FROM access_keys WHERE model = ?').get(model) as
    | AccessKeyRow
    | undefined;
  return row ? toAccessKey(row) : null;
}

/** Every access key record, for loading a keyring. */
export function listAccessKeys(store: Store): StoredAccessKey[] {
  const rows = store.statement('SELECT model, key_hash, created_at FROM access_keys ORDER BY model').all() as AccessKeyRow[];
  return rows.map(toAccessKey);
}
