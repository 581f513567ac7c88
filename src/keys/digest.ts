// Key hashing and comparison. Keys are long random strings, so a fast hash is enough: there is
// nothing to brute-force that is smaller than the key itself.
import { createHash, timingSafeEqual } from 'node:crypto';

/** sha256 of a key, hex: the only form in which keys are stored. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * True when `candidate` (a plaintext key) hashes to `storedHash` (hex). The comparison is
 * `crypto.timingSafeEqual` over the two 32-byte digests: its time does not depend on how many
 * leading bytes match, so response times tell an attacker nothing about the stored hash.
 */
export function keyMatchesHash(candidate: string, storedHash: string): boolean {
  const digest = createHash('sha256').update(candidate, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  // A stored hash of another length is damage, not a secret: the early return leaks nothing.
  if (stored.length !== digest.length) return false;
  return timingSafeEqual(digest, stored);
}
