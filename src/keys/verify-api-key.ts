// The API key check itself, over records given by a lookup function, so the same code runs on
// SQLite (CLI) and on a keyring in memory (gateway hot path).
import type { StoredApiKey } from '../store/api-keys.ts';
import { apiKeyPrefix, isApiKeyShaped } from './api-key-format.ts';
import { keyMatchesHash } from './digest.ts';

/** `ok`, or why a call is refused: the gateway maps these to 401 / 403. */
export type ApiKeyVerdict = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked' | 'forbidden';

/**
 * Checks `key` for a call to `model` at `now`.
 *
 * Why this is constant time where it matters: records are found by the key's prefix, which is not
 * secret (it is listed by `slipway keys list`, and 32 random characters, about 190 bits, follow
 * it). The secret part is only ever compared as a sha256 digest, with `crypto.timingSafeEqual`
 * over fixed 32-byte buffers (`keyMatchesHash`), so the time taken does not depend on how much of
 * a guess is right. Every candidate is compared, even after a match.
 */
export function checkApiKey(
  candidatesFor: (prefix: string) => readonly StoredApiKey[],
  key: string | null | undefined,
  model: string,
  now: Date,
): ApiKeyVerdict {
  if (key === null || key === undefined || key === '') return 'missing';
  if (!isApiKeyShaped(key)) return 'invalid';
  let found: StoredApiKey | null = null;
  for (const candidate of candidatesFor(apiKeyPrefix(key))) {
    if (keyMatchesHash(key, candidate.keyHash)) found = candidate;
  }
  if (!found) return 'invalid';
  if (found.revokedAt !== null) return 'revoked';
  if (Date.parse(found.expiresAt) <= now.getTime()) return 'expired';
  if (found.models !== null && !found.models.includes(model)) return 'forbidden';
  return 'ok';
}
