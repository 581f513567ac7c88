// Digests of secret env values (`fromEnv`), so a plan can tell that a secret changed without the
// value ever being stored or shown. Keyed with a random per-store secret: a plain hash of a
// guessable secret (a short password) could be brute-forced from the store file or a plan.
import { createHmac } from 'node:crypto';
import type { Store } from './database.ts';

/**
 * The random key migration 2 put in the store (hex). The local backend moves it out to a key file
 * on first use (daemon/digest-key-file.ts); this reads it where it still is.
 */
export function storeSecretKey(store: Store): string {
  const row = store.statement("SELECT v FROM meta WHERE k = 'secret_key'").get() as { v: string } | undefined;
  if (!row) throw new Error(`${store.path} has no secret_key in its meta table; the store is damaged`);
  return row.v;
}

/**
 * A function giving the HMAC-SHA256 (hex) of a secret env variable's value, keyed by the store's
 * secret. The name is part of the message, so two variables with one value get different digests.
 */
export function secretDigest(store: Store): SecretDigest {
  return secretDigestWithKey(Buffer.from(storeSecretKey(store), 'hex'));
}

/** The digest of a secret env value: `(variable name, value) → hex`. */
export type SecretDigest = (name: string, value: string) => string;

/** HMAC-SHA256 keyed with `key`; a cluster keeps its key in a Secret (kubernetes/digest-key.ts). */
export function secretDigestWithKey(key: Buffer): SecretDigest {
  // JSON of the pair keeps the message unambiguous (no name/value boundary to shift).
  return (name, value) => createHmac('sha256', key).update(JSON.stringify([name, value])).digest('hex');
}
