import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { observeRoot, observeStore, stateDir, storePath } from '../../src/backends/local/observe.ts';
import type { LiveState } from '../../src/plan/types.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { finishBuild, insertBuild } from '../../src/store/builds.ts';
import { activateDeployment, insertDeployment, markDeleted, setDeploymentStatus } from '../../src/store/deployments.ts';
import { ensureModel } from '../../src/store/models.ts';
import { keyInputs, serving, tempDir } from '../store/fixtures.ts';

/** add: builds 1 (ok) and 2 (failed), deployed on 1; iris: one build, never deployed; old: deleted. */
function seed(store: Store): { addDeployment: number; oldDeployment: number } {
  ensureModel(store, 'add');
  insertBuild(store, { model: 'add', key: 'k1', inputs: keyInputs({ 'add/add.py': '1'.repeat(40) }) });
  finishBuild(store, 'add', 1, { status: 'succeeded' });
  insertBuild(store, { model: 'add', key: 'k2', inputs: keyInputs({ 'add/add.py': '2'.repeat(40) }) });
  finishBuild(store, 'add', 2, { status: 'failed', errorTail: 'boom' });
  const addDeployment = insertDeployment(store, {
    model: 'add',
    buildNumber: 1,
    serving: serving({ replicas: 3 }),
    servingHash: 'sh-add',
    state: 'stopped',
  });
  activateDeployment(store, addDeployment);

  ensureModel(store, 'iris');
  insertBuild(store, { model: 'iris', key: 'ki', inputs: keyInputs() });

  ensureModel(store, 'old');
  insertBuild(store, { model: 'old', key: 'ko', inputs: keyInputs() });
  finishBuild(store, 'old', 1, { status: 'succeeded' });
  const oldDeployment = insertDeployment(store, {
    model: 'old',
    buildNumber: 1,
    serving: serving(),
    servingHash: 'sh-old',
    state: 'running',
  });
  setDeploymentStatus(store, oldDeployment, 'active');
  markDeleted(store, 'old');
  return { addDeployment, oldDeployment };
}

test('the store maps to Observed: builds, last applied deployment, deleted mark', () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(storePath(dir));
  try {
    const { addDeployment, oldDeployment } = seed(store);
    assert.equal(observeStore(store), {
      models: [
        {
          name: 'add',
          builds: [
            { number: 1, key: 'k1', inputs: keyInputs({ 'add/add.py': '1'.repeat(40) }), status: 'succeeded' },
            { number: 2, key: 'k2', inputs: keyInputs({ 'add/add.py': '2'.repeat(40) }), status: 'failed' },
          ],
          deployment: { id: addDeployment, build: 1, serving: serving({ replicas: 3 }), servingHash: 'sh-add', state: 'stopped' },
          deleted: false,
          live: null,
        },
        {
          name: 'iris',
          builds: [{ number: 1, key: 'ki', inputs: keyInputs(), status: 'building' }],
          deployment: null,
          deleted: false,
          live: null,
        },
        {
          name: 'old',
          builds: [{ number: 1, key: 'ko', inputs: keyInputs(), status: 'succeeded' }],
          deployment: { id: oldDeployment, build: 1, serving: serving(), servingHash: 'sh-old', state: 'running' },
          deleted: true,
          live: null,
        },
      ],
    });
  } finally {
    store.close();
    cleanup();
  }
});

test('live state comes from the map the daemon gives, null where it has none', () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(storePath(dir));
  try {
    seed(store);
    const live: LiveState = { state: 'running', replicas: 2, readyReplicas: 1, deploymentId: 1, servingHash: 'sh-add' };
    const observed = observeStore(store, new Map([['add', live]]));
    assert.equal(observed.models.map((m) => [m.name, m.live]), [
      ['add', live],
      ['iris', null],
      ['old', null],
    ]);
  } finally {
    store.close();
    cleanup();
  }
});

test('state lives in .slipway at the root; observing a fresh repository creates nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.is(stateDir(dir), join(dir, '.slipway'));
    assert.is(storePath(dir), join(dir, '.slipway', 'state.db'));
    assert.equal(observeRoot(dir), { models: [] });
    assert.not.ok(existsSync(stateDir(dir)));

    const store = openStore(storePath(dir));
    seed(store);
    store.close();
    assert.equal(observeRoot(dir).models.map((m) => m.name), ['add', 'iris', 'old']);
  } finally {
    cleanup();
  }
});

test.run();
