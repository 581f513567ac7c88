// API keys: several per user or client, sent as `Authorization: Bearer <key>`, scoped to models,
// expiring (one year by default), revocable. Only hashes are stored.
import type { Store } from '../store/database.ts';
import { findApiKeysByPrefix } from '../store/api-keys.ts';
import { apiKeyRecords, type ApiKeyRecords } from './api-key-records.ts';
import { hashKey } from './digest.ts';
import { apiKeyPrefix, newApiKey } from './api-key-format.ts';
import { checkApiKey, type ApiKeyVerdict } from './verify-api-key.ts';

export type { ApiKeyVerdict };

export const oneYearMs = 365 * 86_400_000;

export type ApiKeyRequest = {
  name: string;
  /** Default: one year. */
  expiresInMs?: number;
  /** Models the key may call; absent means every model. */
  models?: string[];
};

export type CreatedApiKey = { id: number; key: string; prefix: string; expiresAt: string };

/** Makes an API key and returns it; the plaintext `key` is never stored and cannot be shown again. */
export function createApiKey(store: Store | ApiKeyRecords, request: ApiKeyRequest, now: Date = new Date()): CreatedApiKey {
  const expiresInMs = request.expiresInMs ?? oneYearMs;
  if (!Number.isFinite(expiresInMs) || expiresInMs <= 0) {
    throw new RangeError(`expiry ${expiresInMs} ms is not a positive duration; give one like 90d`);
  }
  if (request.models && request.models.length === 0) {
    throw new RangeError('an API key scoped to no models could call nothing; leave the models out to allow every model');
  }
  const key = newApiKey();
  const expiresAt = new Date(now.getTime() + expiresInMs);
  const id = apiKeyRecords(store).insert({
    name: request.name,
    keyHash: hashKey(key),
    prefix: apiKeyPrefix(key),
    models: request.models ? [...new Set(request.models)] : null,
    createdAt: now,
    expiresAt,
  });
  return { id, key, prefix: apiKeyPrefix(key), expiresAt: expiresAt.toISOString() };
}

export type ApiKeyInfo = {
  id: number;
  name: string;
  prefix: string;
  models: string[] | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
};

/** Every API key, without any secret, with its status at `now`. */
export function listApiKeys(store: Store | ApiKeyRecords, now: Date = new Date()): ApiKeyInfo[] {
  return apiKeyRecords(store).list().map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    models: row.models,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    status: row.revokedAt ? 'revoked' : Date.parse(row.expiresAt) <= now.getTime() ? 'expired' : 'active',
  }));
}

/** Revokes key `id`; false when there is no such key. Revoking twice keeps the first time. */
export function revokeApiKey(store: Store | ApiKeyRecords, id: number, at: Date = new Date()): boolean {
  return apiKeyRecords(store).revoke(id, at);
}

/**
 * Checks an API key against the store for a call to `model`. Reads SQLite: fine for the CLI,
 * while the gateway uses a keyring (`loadKeyring`) that does the same check in memory.
 */
export function verifyApiKey(
  store: Store,
  key: string | null | undefined,
  model: string,
  now: Date = new Date(),
): ApiKeyVerdict {
  return checkApiKey((prefix) => findApiKeysByPrefix(store, prefix), key, model, now);
}
