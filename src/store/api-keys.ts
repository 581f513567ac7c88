// Stored API keys: hash, a short non-secret prefix, scope, expiry, revocation. Plaintext keys
// never reach the store; see src/keys/.
import type { Store } from './database.ts';

export type StoredApiKey = {
  id: number;
  name: string;
  /** sha256 (hex) of the key. */
  keyHash: string;
  /** The key's first characters, not secret: shown in listings and used to find candidate rows. */
  prefix: string;
  /** Models the key may call; null means every model. */
  models: string[] | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
};

type ApiKeyRow = {
  id: number;
  name: string;
  key_hash: string;
  prefix: string;
  models: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
};

const columns = 'id, name, key_hash, prefix, models, created_at, expires_at, revoked_at';

function toApiKey(row: ApiKeyRow): StoredApiKey {
  return {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    prefix: row.prefix,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export type NewApiKey = {
  name: string;
  keyHash: string;
  prefix: string;
  models: string[] | null;
  createdAt: Date;
  expiresAt: Date;
};

/** Records an API key's hash and returns its id. */
export function insertApiKey(store: Store, key: NewApiKey): number {
  const result = store
    .statement(
      `INSERT INTO api_keys (name, key_hash, prefix, models, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      key.name,
      key.keyHash,
      key.prefix,
      key.models === null ? null : JSON.stringify(key.models),
      key.createdAt.toISOString(),
      key.expiresAt.toISOString(),
    );
  return Number(result.lastInsertRowid);
}

/** Every API key record (revoked and expired ones too), by id. */
export function listApiKeyRows(store: Store): StoredApiKey[] {
  const rows = store.statement(`SELECT ${columns} FROM api_keys ORDER BY id`).all() as ApiKeyRow[];
  return rows.map(toApiKey);
}

/** The API keys whose prefix is `prefix` (normally one). */
export function findApiKeysByPrefix(store: Store, prefix: string): StoredApiKey[] {
  const rows = store.statement(`SELECT ${columns} FROM api_keys WHERE prefix = ?`).all(prefix) as ApiKeyRow[];
  return rows.map(toApiKey);
}

/** Marks key `id` revoked (keeping the first revocation time). Returns false when there is no such key. */
export function revokeApiKeyRow(store: Store, id: number, at: Date = new Date()): boolean {
  const result = store
    .statement('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
    .run(at.toISOString(), id);
  return result.changes > 0;
}
