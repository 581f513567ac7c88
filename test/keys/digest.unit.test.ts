import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { hashKey, keyMatchesHash } from '../../src/keys/digest.ts';
import { base62, lowercaseAlphanumeric, randomString } from '../../src/keys/random.ts';

test('hashKey is the hex sha256 of the key', () => {
  assert.is(hashKey('abc'), createHash('sha256').update('abc').digest('hex'));
});

test('keyMatchesHash (timingSafeEqual over digests) accepts only the right key', () => {
  const stored = hashKey('the-key');
  assert.ok(keyMatchesHash('the-key', stored));
  assert.not.ok(keyMatchesHash('the-kez', stored));
  assert.not.ok(keyMatchesHash('', stored));
  assert.not.ok(keyMatchesHash('the-key', stored.slice(0, 62)), 'a truncated stored hash never matches');
  assert.not.ok(keyMatchesHash('the-key', hashKey('other')));
});

test('randomString uses only its alphabet, at the asked length', () => {
  for (const alphabet of [lowercaseAlphanumeric, base62]) {
    const text = randomString(alphabet, 5000);
    assert.is(text.length, 5000);
    for (const char of text) assert.ok(alphabet.includes(char), `${char} is in the alphabet`);
    // Every character shows up in 5000 draws (missing one has probability below 1e-50).
    assert.is(new Set(text).size, alphabet.length);
  }
  assert.is(randomString(base62, 0), '');
  assert.throws(() => randomString('a', 3), /alphabet/);
});

test.run();
