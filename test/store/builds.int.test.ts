import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  finishBuild,
  getBuild,
  insertBuild,
  listBuilds,
  markPruned,
  nextBuildNumber,
} from '../../src/store/builds.ts';
import { getModel } from '../../src/store/models.ts';
import { keyInputs, tempStore } from './fixtures.ts';

test('build numbers start at 1 and count per model', () => {
  const { store, cleanup } = tempStore();
  try {
    assert.is(nextBuildNumber(store, 'add'), 1);
    assert.is(insertBuild(store, { model: 'add', key: 'a1', inputs: keyInputs() }).number, 1);
    assert.is(insertBuild(store, { model: 'add', key: 'a2', inputs: keyInputs() }).number, 2);
    assert.is(insertBuild(store, { model: 'iris', key: 'i1', inputs: keyInputs() }).number, 1);
    assert.is(insertBuild(store, { model: 'add', key: 'a3', inputs: keyInputs() }).number, 3);
    assert.is(nextBuildNumber(store, 'iris'), 2);
    assert.equal(listBuilds(store, 'add').map((b) => b.key), ['a1', 'a2', 'a3']);
    assert.ok(getModel(store, 'iris'), 'inserting a build records its model');
  } finally {
    cleanup();
  }
});

test('a pruned build reports status pruned, and only a succeeded build is pruned', () => {
  const { store, cleanup } = tempStore();
  try {
    insertBuild(store, { model: 'add', key: 'k', inputs: keyInputs() });
    assert.throws(() => markPruned(store, 'add', 1), /it is building/);
    finishBuild(store, 'add', 1, { status: 'succeeded', artifact: '/b/add/1' });
    insertBuild(store, { model: 'add', key: 'k', inputs: keyInputs() });
    finishBuild(store, 'add', 2, { status: 'succeeded', artifact: '/b/add/2' });
    markPruned(store, 'add', 1);
    assert.is(getBuild(store, 'add', 1)!.status, 'pruned');
    assert.equal(listBuilds(store, 'add').map((b) => b.status), ['pruned', 'succeeded']);
    assert.throws(() => markPruned(store, 'add', 1), /it is pruned/);
    assert.throws(() => markPruned(store, 'add', 9), /not recorded/);
    assert.is(nextBuildNumber(store, 'add'), 3, 'numbers are never reused');
  } finally {
    cleanup();
  }
});

test('a build starts as building and records how it finished', () => {
  const { store, cleanup } = tempStore();
  try {
    const inputs = keyInputs({ 'm/predict.py': '1'.repeat(40), 'm/requirements.txt': '2'.repeat(40) });
    const started = insertBuild(
      store,
      { model: 'm', key: 'k', inputs, gitCommit: 'abc123', logPath: '/logs/m/1.log' },
      new Date('2025-01-01T00:00:00Z'),
    );
    assert.is(started.status, 'building');
    assert.is(started.startedAt, '2025-01-01T00:00:00.000Z');
    assert.is(started.finishedAt, null);
    assert.equal(started.inputs, inputs);

    const done = finishBuild(
      store,
      'm',
      1,
      { status: 'failed', errorTail: 'pip: no such package' },
      new Date('2025-01-01T00:01:00Z'),
    );
    assert.is(done.status, 'failed');
    assert.is(done.errorTail, 'pip: no such package');
    assert.is(done.logPath, '/logs/m/1.log', 'a field left out keeps its value');
    assert.is(done.gitCommit, 'abc123');
    assert.is(done.finishedAt, '2025-01-01T00:01:00.000Z');
    assert.is(done.artifact, null);
    assert.throws(() => finishBuild(store, 'm', 9, { status: 'succeeded' }), /no such build/);
  } finally {
    cleanup();
  }
});

test.run();
