import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createApiKey, listApiKeys, oneYearMs, revokeApiKey, verifyApiKey } from '../../src/keys/api-keys.ts';
import { apiKeyPrefix } from '../../src/keys/api-key-format.ts';
import { hashKey } from '../../src/keys/digest.ts';
import { loadKeyring } from '../../src/keys/keyring.ts';
import type { Store } from '../../src/store/database.ts';
import type { ApiKeyVerdict } from '../../src/keys/verify-api-key.ts';
import { tempStore } from '../store/fixtures.ts';

const now = new Date('2025-06-01T00:00:00Z');
const day = 86_400_000;

/** The store's verdict and the keyring's, which must always agree. */
function verdict(store: Store, key: string | null | undefined, model: string, at: Date = now): ApiKeyVerdict {
  const fromStore = verifyApiKey(store, key, model, at);
  const fromKeyring = loadKeyring(store).verifyApiKey(key, model, at);
  assert.is(fromKeyring, fromStore, 'keyring and store agree');
  return fromStore;
}

test('a new key works, for one year by default, on every model', () => {
  const { store, cleanup } = tempStore();
  try {
    const created = createApiKey(store, { name: 'ci' }, now);
    assert.match(created.key, /^slw_[A-Za-z0-9]{40}$/);
    assert.is(created.prefix, created.key.slice(0, 12));
    assert.is(created.expiresAt, new Date(now.getTime() + oneYearMs).toISOString());
    assert.is(verdict(store, created.key, 'add'), 'ok');
    assert.is(verdict(store, created.key, 'iris'), 'ok');
    assert.is(verdict(store, created.key, 'add', new Date(now.getTime() + oneYearMs - 1)), 'ok');
    assert.is(verdict(store, created.key, 'add', new Date(now.getTime() + oneYearMs)), 'expired');
  } finally {
    cleanup();
  }
});

test('missing, malformed and wrong keys are told apart from expired and revoked ones', () => {
  const { store, cleanup } = tempStore();
  try {
    const { key } = createApiKey(store, { name: 'ci' }, now);
    assert.is(verdict(store, undefined, 'add'), 'missing');
    assert.is(verdict(store, null, 'add'), 'missing');
    assert.is(verdict(store, '', 'add'), 'missing');
    assert.is(verdict(store, 'not-a-key', 'add'), 'invalid');
    assert.is(verdict(store, key + 'x', 'add'), 'invalid');
    // Same non-secret prefix, wrong secret part: found by prefix, refused by the digest comparison.
    const last = key.at(-1) === 'a' ? 'b' : 'a';
    const samePrefix = key.slice(0, -1) + last;
    assert.is(apiKeyPrefix(samePrefix), apiKeyPrefix(key));
    assert.is(verdict(store, samePrefix, 'add'), 'invalid');
    // Another key that exists nowhere.
    assert.is(verdict(store, 'slw_' + 'A'.repeat(40), 'add'), 'invalid');
  } finally {
    cleanup();
  }
});

test('expiry is honoured', () => {
  const { store, cleanup } = tempStore();
  try {
    const { key } = createApiKey(store, { name: 'short', expiresInMs: 90 * day }, now);
    assert.is(verdict(store, key, 'add', new Date(now.getTime() + 89 * day)), 'ok');
    assert.is(verdict(store, key, 'add', new Date(now.getTime() + 91 * day)), 'expired');
    assert.throws(() => createApiKey(store, { name: 'x', expiresInMs: 0 }, now), /not a positive duration/);
  } finally {
    cleanup();
  }
});

test('a revoked key is refused, and other keys keep working', () => {
  const { store, cleanup } = tempStore();
  try {
    const revoked = createApiKey(store, { name: 'laptop' }, now);
    const kept = createApiKey(store, { name: 'server' }, now);
    const keyring = loadKeyring(store);
    assert.ok(revokeApiKey(store, revoked.id, now));
    assert.not.ok(revokeApiKey(store, 999, now), 'no such key');
    assert.is(verdict(store, revoked.key, 'add'), 'revoked');
    assert.is(verdict(store, kept.key, 'add'), 'ok');
    // A keyring is a snapshot: the daemon loads a new one after a key change.
    assert.is(keyring.verifyApiKey(revoked.key, 'add', now), 'ok');
    // Revoked wins over expired: it is the more useful thing to tell.
    assert.is(verdict(store, revoked.key, 'add', new Date(now.getTime() + 2 * oneYearMs)), 'revoked');
  } finally {
    cleanup();
  }
});

test('a key scoped to some models is forbidden on others', () => {
  const { store, cleanup } = tempStore();
  try {
    const { key } = createApiKey(store, { name: 'scoped', models: ['add', 'iris', 'add'] }, now);
    assert.is(verdict(store, key, 'add'), 'ok');
    assert.is(verdict(store, key, 'iris'), 'ok');
    assert.is(verdict(store, key, 'churn'), 'forbidden');
    assert.equal(listApiKeys(store, now)[0]!.models, ['add', 'iris']);
    assert.throws(() => createApiKey(store, { name: 'none', models: [] }, now), /no models/);
  } finally {
    cleanup();
  }
});

test('listing shows no secret; only hashes are stored', () => {
  const { store, path, cleanup } = tempStore();
  try {
    const a = createApiKey(store, { name: 'a' }, now);
    const b = createApiKey(store, { name: 'b', expiresInMs: day, models: ['add'] }, now);
    revokeApiKey(store, a.id, new Date(now.getTime() + 1000));
    const listed = listApiKeys(store, new Date(now.getTime() + 2 * day));
    assert.equal(listed, [
      {
        id: a.id,
        name: 'a',
        prefix: a.prefix,
        models: null,
        createdAt: now.toISOString(),
        expiresAt: a.expiresAt,
        revokedAt: new Date(now.getTime() + 1000).toISOString(),
        status: 'revoked',
      },
      {
        id: b.id,
        name: 'b',
        prefix: b.prefix,
        models: ['add'],
        createdAt: now.toISOString(),
        expiresAt: b.expiresAt,
        revokedAt: null,
        status: 'expired',
      },
    ]);
    const raw = JSON.stringify(store.db.prepare('SELECT * FROM api_keys').all());
    for (const { key } of [a, b]) {
      assert.not.ok(raw.includes(key));
      assert.not.ok(raw.includes(key.slice(apiKeyPrefix(key).length)), 'not even the secret part');
      assert.ok(raw.includes(hashKey(key)));
    }
    store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = readFileSync(path);
    assert.not.ok(file.includes(Buffer.from(a.key)) || file.includes(Buffer.from(b.key)));
  } finally {
    cleanup();
  }
});

test.run();
