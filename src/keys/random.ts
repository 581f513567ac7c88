// Random strings for keys, drawn from the OS CSPRNG without modulo bias.
import { randomBytes } from 'node:crypto';

export const lowercaseAlphanumeric = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` characters drawn uniformly from `alphabet`. A byte taken modulo 36 or 62 would favour
 * the first characters, so bytes at or above the largest multiple of the alphabet size are
 * rejected and drawn again.
 */
export function randomString(alphabet: string, length: number): string {
  if (alphabet.length < 2 || alphabet.length > 256) throw new RangeError('alphabet must have 2 to 256 characters');
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
