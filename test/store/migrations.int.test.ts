import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate, openStore, schemaVersion, Store, StoreVersionError } from '../../src/store/database.ts';
import { latestVersion } from '../../src/store/migrations.ts';
import { getBuild } from '../../src/store/builds.ts';
import { activateDeployment, getDeployment, insertDeployment } from '../../src/store/deployments.ts';
import { storeSecretKey } from '../../src/store/secret-digest.ts';
import { keyInputs, serving, tempDir } from './fixtures.ts';

function tables(db: DatabaseSync): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  return rows.map((row) => String(row.name));
}

const v1Tables = ['builds', 'deployments', 'models'];
const allTables = ['access_keys', 'api_keys', 'builds', 'capture_settings', 'captures', 'deployment_tests', 'deployments', 'meta', 'metrics', 'models', 'pruned_builds', 'rollouts', 'tech_samples', 'ui_actions'];

test('an empty file is created with its folders and migrated to the latest version', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'deep', 'er', 'state.db');
    const store = openStore(path);
    try {
      assert.ok(existsSync(path));
      assert.is(latestVersion, 7);
      assert.is(schemaVersion(store.db), latestVersion);
      assert.equal(tables(store.db), allTables);
      assert.match(storeSecretKey(store), /^[0-9a-f]{64}$/);
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});

test('the store runs in WAL mode with foreign keys and a busy timeout', () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(join(dir, 'state.db'));
  try {
    assert.is(store.db.prepare('PRAGMA journal_mode').get()!.journal_mode, 'wal');
    assert.is(store.db.prepare('PRAGMA foreign_keys').get()!.foreign_keys, 1);
    assert.is(store.db.prepare('PRAGMA busy_timeout').get()!.timeout, 5000);
    assert.ok(existsSync(join(dir, 'state.db-wal')));
  } finally {
    store.close();
    cleanup();
  }
});

test('a version-1 store keeps its data when opened and gains the tables of every later version', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'state.db');
  try {
    const db = new DatabaseSync(path);
    assert.is(migrate(db, 1), 1);
    assert.equal(tables(db), v1Tables);
    // Rows as version 1 wrote them (today's builds.ts reads tables version 1 did not have).
    db.prepare("INSERT INTO models (name, created_at) VALUES ('add', '2025-01-01T00:00:00.000Z')").run();
    db.prepare(
      `INSERT INTO builds (model, number, key, inputs, artifact, git_commit, status, started_at, finished_at)
       VALUES ('add', 1, 'k1', ?, '/builds/add/1', 'c0ffee', 'succeeded', '2025-01-01T00:00:00.000Z', '2025-01-01T00:01:00.000Z')`,
    ).run(JSON.stringify(keyInputs()));
    const old = new Store(db, path);
    const id = insertDeployment(old, {
      model: 'add',
      buildNumber: 1,
      serving: serving(),
      servingHash: 'h1',
      state: 'running',
      actor: 'ci',
    });
    activateDeployment(old, id);
    old.close();

    const store = openStore(path);
    try {
      assert.is(schemaVersion(store.db), latestVersion);
      assert.equal(tables(store.db), allTables);
      assert.match(storeSecretKey(store), /^[0-9a-f]{64}$/);
      const kept = getBuild(store, 'add', 1)!;
      assert.is(kept.status, 'succeeded');
      assert.is(kept.artifact, '/builds/add/1');
      assert.equal(kept.inputs, keyInputs());
      const deployment = getDeployment(store, id)!;
      assert.is(deployment.status, 'active');
      assert.equal(deployment.serving, serving());
      assert.is(deployment.actor, 'ci');
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});

test('a failing migration leaves the store at its previous version, with nothing half-made', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'state.db');
  try {
    const db = new DatabaseSync(path);
    migrate(db, 1);
    // A table migration 2 is about to create makes it fail part-way.
    db.exec('CREATE TABLE metrics (x INTEGER)');
    db.close();
    assert.throws(() => openStore(path), /already exists/);
    const after = new DatabaseSync(path);
    assert.is(schemaVersion(after), 1);
    assert.equal(tables(after), ['builds', 'deployments', 'metrics', 'models']);
    after.close();
  } finally {
    cleanup();
  }
});

test('a store from a newer Slipway is refused and left untouched', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'state.db');
  try {
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${latestVersion + 1}`);
    db.close();
    let caught: unknown;
    try {
      openStore(path).close();
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, StoreVersionError);
    const error = caught as StoreVersionError;
    assert.is(error.found, latestVersion + 1);
    assert.is(error.supported, latestVersion);
    assert.match(error.message, `schema version ${latestVersion + 1}`);
    assert.match(error.message, 'Upgrade Slipway');
    const after = new DatabaseSync(path);
    assert.is(schemaVersion(after), latestVersion + 1);
    assert.equal(tables(after), []);
    after.close();
  } finally {
    cleanup();
  }
});

test('opening again changes nothing: same version, same secret key', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'state.db');
  try {
    const first = openStore(path);
    const secret = storeSecretKey(first);
    first.close();
    const second = openStore(path);
    assert.is(schemaVersion(second.db), latestVersion);
    assert.is(storeSecretKey(second), secret);
    second.close();
  } finally {
    cleanup();
  }
});

test('an in-memory store works for unit tests', () => {
  const store = openStore(':memory:');
  assert.is(schemaVersion(store.db), latestVersion);
  store.close();
});

test('migrating past the latest version is refused', () => {
  const db = new DatabaseSync(':memory:');
  assert.throws(() => migrate(db, latestVersion + 1), /no migration to version/);
  db.close();
});

test.run();
