// The digest key moves out of an older store into `.slipway/secret-digest.key` (0600): the same
// key (digests, and so plans, do not change), and its bytes gone from the database file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digestKeyPath, localSecretDigest } from '../../src/daemon/digest-key-file.ts';
import { openStore } from '../../src/store/database.ts';
import { secretDigest, storeSecretKey } from '../../src/store/secret-digest.ts';

function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-digest-key-'));
  fs.mkdirSync(path.join(root, '.slipway'), { mode: 0o700 });
  return root;
}

test('an older store: its key moves to the key file, digests unchanged, the store wiped of it', () => {
  const root = tempRoot();
  try {
    const file = path.join(root, '.slipway', 'state.db');
    const store = openStore(file);
    const legacyKey = storeSecretKey(store); // where migration 2 put it
    const before = secretDigest(store)('TOKEN', 'hunter22');
    const digest = localSecretDigest(root, store);
    assert.is(digest('TOKEN', 'hunter22'), before, 'the same key, so plans see no change');
    assert.is(fs.readFileSync(digestKeyPath(root), 'utf8').trim(), legacyKey);
    assert.is(fs.statSync(digestKeyPath(root)).mode & 0o777, 0o600);
    assert.throws(() => storeSecretKey(store), /no secret_key/);
    store.close();
    for (const name of fs.readdirSync(path.join(root, '.slipway'))) {
      if (!name.startsWith('state.db')) continue;
      assert.not.ok(fs.readFileSync(path.join(root, '.slipway', name)).includes(legacyKey), `${name} still holds the key`);
    }
    // Opened again: the file's key is used, nothing else changes.
    const again = openStore(file);
    assert.is(localSecretDigest(root, again)('TOKEN', 'hunter22'), before);
    again.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the store file is created 0600, and an existing 0644 one is made 0600', () => {
  const root = tempRoot();
  try {
    const file = path.join(root, '.slipway', 'state.db');
    openStore(file).close();
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    fs.chmodSync(file, 0o644);
    const store = openStore(file);
    store.close();
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.run();
