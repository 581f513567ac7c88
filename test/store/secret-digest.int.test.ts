import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { secretDigest } from '../../src/store/secret-digest.ts';
import { tempStore } from './fixtures.ts';

test('secret digests are stable within a store and differ by name, value and store', () => {
  const one = tempStore();
  const two = tempStore();
  try {
    const digest = secretDigest(one.store);
    const value = digest('TOKEN', 's3cret');
    assert.match(value, /^[0-9a-f]{64}$/);
    assert.is(secretDigest(one.store)('TOKEN', 's3cret'), value);
    assert.is.not(digest('TOKEN', 's3cret!'), value);
    assert.is.not(digest('OTHER', 's3cret'), value);
    assert.is.not(secretDigest(two.store)('TOKEN', 's3cret'), value);
  } finally {
    one.cleanup();
    two.cleanup();
  }
});

test.run();
