// Who a login secret is: the daemon's admin token, or an active API key (found by its prefix and
// compared as a sha256 digest in constant time, as the gateway does).
import { findApiKeysByPrefix, type StoredApiKey } from '../store/api-keys.ts';
import type { Store } from '../store/database.ts';
import { apiKeyPrefix, isApiKeyShaped } from '../keys/api-key-format.ts';
import { keyMatchesHash } from '../keys/digest.ts';
import { sameSecret, type Principal } from './session.ts';

export type LoginResult = { ok: true; principal: Principal } | { ok: false; message: string };

export function principalFor(store: Store, adminToken: string, secret: string, nowMs: number): LoginResult {
  return principalAmong((prefix) => findApiKeysByPrefix(store, prefix), adminToken, secret, nowMs);
}

/**
 * The same check over API key rows found by prefix (the in-cluster gateway holds them in memory).
 * `adminToken` null: no admin login (a cluster without the dashboard's admin Secret).
 */
export function principalAmong(candidatesFor: (prefix: string) => readonly StoredApiKey[], adminToken: string | null, secret: string, nowMs: number): LoginResult {
  const presented = secret.trim();
  if (adminToken !== null && sameSecret(presented, adminToken)) return { ok: true, principal: { kind: 'admin' } };
  if (!isApiKeyShaped(presented)) return { ok: false, message: adminToken === null ? 'That is not an API key.' : 'That is neither an API key nor the admin token.' };
  const found = candidatesFor(apiKeyPrefix(presented)).filter((row) => keyMatchesHash(presented, row.keyHash));
  const row = found[0];
  if (!row) return { ok: false, message: 'No such API key.' };
  if (row.revokedAt) return { ok: false, message: 'This API key was revoked.' };
  if (Date.parse(row.expiresAt) <= nowMs) return { ok: false, message: 'This API key has expired.' };
  return { ok: true, principal: { kind: 'api-key', id: row.id, name: row.name, prefix: row.prefix, models: row.models, key: presented } };
}

/** Whether an API-key session is still backed by an active key (revocation ends it at once). */
export function stillValid(store: Store, principal: Principal, nowMs: number): boolean {
  return stillValidAmong((prefix) => findApiKeysByPrefix(store, prefix), principal, nowMs);
}

/** `stillValid` over API key rows found by prefix. */
export function stillValidAmong(candidatesFor: (prefix: string) => readonly StoredApiKey[], principal: Principal, nowMs: number): boolean {
  if (principal.kind === 'admin') return true;
  const row = candidatesFor(principal.prefix).find((r) => r.id === principal.id);
  return !!row && !row.revokedAt && Date.parse(row.expiresAt) > nowMs;
}
