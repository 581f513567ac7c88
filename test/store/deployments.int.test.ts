import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finishBuild, insertBuild } from '../../src/store/builds.ts';
import {
  activateDeployment,
  getDeployment,
  insertDeployment,
  latestApplied,
  listDeployments,
  markDeleted,
  setDeploymentStatus,
  type NewDeployment,
} from '../../src/store/deployments.ts';
import { ensureModel, getModel, listModels } from '../../src/store/models.ts';
import type { Store } from '../../src/store/database.ts';
import { keyInputs, serving, tempStore } from './fixtures.ts';

function built(store: Store, model: string): number {
  const build = insertBuild(store, { model, key: `${model}-key`, inputs: keyInputs() });
  finishBuild(store, model, build.number, { status: 'succeeded' });
  return build.number;
}

function deployment(model: string, buildNumber: number, extra: Partial<NewDeployment> = {}): NewDeployment {
  return { model, buildNumber, serving: serving(), servingHash: 'hash', state: 'running', ...extra };
}

test('deployment ids are global across models', () => {
  const { store, cleanup } = tempStore();
  try {
    built(store, 'a');
    built(store, 'b');
    const ids = [
      insertDeployment(store, deployment('a', 1)),
      insertDeployment(store, deployment('b', 1)),
      insertDeployment(store, deployment('a', 1)),
    ];
    assert.equal(ids, [1, 2, 3]);
    assert.equal(listDeployments(store, 'a').map((d) => d.id), [1, 3]);
    assert.equal(listDeployments(store, 'b').map((d) => d.id), [2]);
  } finally {
    cleanup();
  }
});

test('a deployment must name an existing build', () => {
  const { store, cleanup } = tempStore();
  try {
    built(store, 'a');
    assert.throws(() => insertDeployment(store, deployment('a', 7)), /FOREIGN KEY/);
  } finally {
    cleanup();
  }
});

test('a deployment round-trips, and activating one supersedes the previous', () => {
  const { store, cleanup } = tempStore();
  try {
    built(store, 'a');
    built(store, 'a');
    const first = insertDeployment(
      store,
      deployment('a', 1, { actor: 'alice', gitCommit: 'c1', reason: 'create' }),
      new Date('2025-02-01T00:00:00Z'),
    );
    const stored = getDeployment(store, first)!;
    assert.equal(stored, {
      id: first,
      model: 'a',
      buildNumber: 1,
      serving: serving(),
      servingHash: 'hash',
      state: 'running',
      status: 'deploying',
      actor: 'alice',
      gitCommit: 'c1',
      reason: 'create',
      startedAt: '2025-02-01T00:00:00.000Z',
      stoppedAt: null,
    });
    activateDeployment(store, first);
    const second = insertDeployment(store, deployment('a', 2, { servingHash: 'hash2' }));
    assert.is(latestApplied(store, 'a')!.id, first, 'a deployment in progress is not yet what runs');
    activateDeployment(store, second, new Date('2025-02-02T00:00:00Z'));
    assert.is(getDeployment(store, first)!.status, 'superseded');
    assert.is(getDeployment(store, first)!.stoppedAt, '2025-02-02T00:00:00.000Z');
    assert.is(getDeployment(store, second)!.status, 'active');
    assert.is(latestApplied(store, 'a')!.id, second);
  } finally {
    cleanup();
  }
});

test('latestApplied falls back to the last deployment that did not fail', () => {
  const { store, cleanup } = tempStore();
  try {
    built(store, 'a');
    assert.is(latestApplied(store, 'a'), null);
    const deploying = insertDeployment(store, deployment('a', 1));
    assert.is(latestApplied(store, 'a')!.id, deploying);
    const failed = insertDeployment(store, deployment('a', 1));
    setDeploymentStatus(store, failed, 'failed');
    assert.ok(getDeployment(store, failed)!.stoppedAt);
    assert.is(latestApplied(store, 'a')!.id, deploying);
    assert.throws(() => setDeploymentStatus(store, 99, 'active'), /no such deployment/);
  } finally {
    cleanup();
  }
});

test('deleting keeps history; re-creating undeletes', () => {
  const { store, cleanup } = tempStore();
  try {
    ensureModel(store, 'a');
    built(store, 'a');
    const id = insertDeployment(store, deployment('a', 1));
    activateDeployment(store, id);
    markDeleted(store, 'a', new Date('2025-03-01T00:00:00Z'));
    assert.is(getDeployment(store, id)!.status, 'deleted');
    assert.is(getModel(store, 'a')!.deletedAt, '2025-03-01T00:00:00.000Z');
    assert.equal(listModels(store).map((m) => [m.name, m.deleted]), [['a', true]]);
    assert.is(latestApplied(store, 'a')!.id, id, 'the deleted deployment is still the last applied');
    ensureModel(store, 'a');
    assert.is(getModel(store, 'a')!.deleted, false);
    assert.is(getModel(store, 'nope'), null);
  } finally {
    cleanup();
  }
});

test.run();
