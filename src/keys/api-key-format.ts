// What an API key looks like. The tag makes keys recognisable (secret scanners, logs); the first
// characters after it form a prefix that is listed openly and used to find the key's record.
import { base62, randomString } from './random.ts';

export const apiKeyTag = 'slw_';
const randomLength = 40;
/** Characters of a key kept as its non-secret prefix: the tag and 8 random characters. */
export const apiKeyPrefixLength = apiKeyTag.length + 8;
const shape = new RegExp(`^${apiKeyTag}[A-Za-z0-9]{${randomLength}}$`);

/** A new API key: `slw_` and 40 base62 characters (about 238 random bits, 190 of them after the prefix). */
export function newApiKey(): string {
  return apiKeyTag + randomString(base62, randomLength);
}

/** The non-secret prefix of an API key. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, apiKeyPrefixLength);
}

/** True when `text` has the form of an API key (says nothing about whether it is a valid one). */
export function isApiKeyShaped(text: string): boolean {
  return shape.test(text);
}
