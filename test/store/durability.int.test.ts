// The store's commits wait for the disk (synchronous = FULL) unless a transaction says its data may
// lose its last seconds (captured calls): a real SQLite file in WAL mode, its pragmas read back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore, type Store } from '../../src/store/database.ts';
import { insertCaptures, listCaptures } from '../../src/store/captures.ts';

const FULL = 2;
const NORMAL = 1;

function withStore(fn: (store: Store) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-durability-'));
  const store = openStore(path.join(dir, 'state.db'));
  try {
    fn(store);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const synchronous = (store: Store): number => (store.db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;

test('a store file is in WAL mode and commits durably by default', () => {
  withStore((store) => {
    assert.is((store.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    assert.is(synchronous(store), FULL);
    assert.is(store.transaction(() => synchronous(store)), FULL);
  });
});

test('durable: false relaxes that one transaction only, even when it throws; nested, the outer one decides', () => {
  withStore((store) => {
    assert.is(store.transaction(() => synchronous(store), { durable: false }), NORMAL);
    assert.is(synchronous(store), FULL);
    assert.throws(() => store.transaction(() => {
      store.db.exec("INSERT INTO capture_settings (model, settings) VALUES ('m', '{}')");
      throw new Error('boom');
    }, { durable: false }), /boom/);
    assert.is(synchronous(store), FULL);
    assert.is((store.db.prepare('SELECT COUNT(*) AS n FROM capture_settings').get() as { n: number }).n, 0, 'rolled back');
    // A durable transaction (a deployment record) around a relaxed one stays durable.
    assert.is(store.transaction(() => store.transaction(() => synchronous(store), { durable: false })), FULL);
  });
});

test('captured calls are written in one relaxed transaction, and are there once it returns', () => {
  withStore((store) => {
    const row = { model: 'm', deploymentId: 1, build: 1, at: 5, latencyMs: 1, status: 200, outcome: 'success', request: '{}', response: null };
    insertCaptures(store, [row, { ...row, at: 6 }]);
    assert.equal(listCaptures(store, 'm').map((r) => r.at), [5, 6]);
    assert.is(synchronous(store), FULL);
  });
});

test.run();
