import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import {
  ensureAccessKey,
  modelForAccessKey,
  newAccessKey,
  rotateAccessKey,
  UnknownModelError,
} from '../../src/keys/access-keys.ts';
import { hashKey } from '../../src/keys/digest.ts';
import { loadKeyring } from '../../src/keys/keyring.ts';
import { ensureModel } from '../../src/store/models.ts';
import { tempStore } from '../store/fixtures.ts';

test('access keys are 32 lowercase letters and digits, different each time', () => {
  const keys = new Set(Array.from({ length: 50 }, () => newAccessKey()));
  assert.is(keys.size, 50);
  for (const key of keys) assert.match(key, /^[a-z0-9]{32}$/);
});

test('a model gets a key once; rotation makes the old key stop working at once', () => {
  const { store, cleanup } = tempStore();
  try {
    ensureModel(store, 'add');
    ensureModel(store, 'iris');
    const first = ensureAccessKey(store, 'add')!;
    assert.match(first, /^[a-z0-9]{32}$/);
    assert.is(ensureAccessKey(store, 'add'), null, 'an existing key is kept');
    const iris = ensureAccessKey(store, 'iris')!;
    assert.is(modelForAccessKey(store, first), 'add');
    assert.is(modelForAccessKey(store, iris), 'iris');
    assert.is(loadKeyring(store).modelForAccessKey(first), 'add');

    const second = rotateAccessKey(store, 'add');
    assert.is.not(second, first);
    assert.is(modelForAccessKey(store, first), null);
    assert.is(modelForAccessKey(store, second), 'add');
    const keyring = loadKeyring(store);
    assert.is(keyring.modelForAccessKey(first), null);
    assert.is(keyring.modelForAccessKey(second), 'add');
    assert.is(keyring.modelForAccessKey(iris), 'iris');
    assert.is(keyring.modelForAccessKey(''), null);
  } finally {
    cleanup();
  }
});

test('only the hash of an access key is stored', () => {
  const { store, path, cleanup } = tempStore();
  try {
    ensureModel(store, 'add');
    const key = rotateAccessKey(store, 'add');
    const rows = store.db.prepare('SELECT * FROM access_keys').all();
    assert.equal(rows.map((row) => row.key_hash), [hashKey(key)]);
    assert.not.ok(JSON.stringify(rows).includes(key));
    store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    assert.not.ok(readFileSync(path).includes(Buffer.from(key)), 'the plaintext is nowhere in the file');
  } finally {
    cleanup();
  }
});

test('a key for an unknown model is refused with the model named', () => {
  const { store, cleanup } = tempStore();
  try {
    let caught: unknown;
    try {
      rotateAccessKey(store, 'ghost');
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, UnknownModelError);
    assert.is((caught as UnknownModelError).model, 'ghost');
    assert.match((caught as Error).message, '"ghost"');
  } finally {
    cleanup();
  }
});

test.run();
