// Which existing build ensureBuild reuses when the plan said "build": the local store's ledger (real
// SQLite in a temp folder), with builds a target may not deploy (a pull request's candidate image).
// A builder that fails the test when asked stands in for the Builder port: reuse means no build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sqliteBuildLedger } from '../../src/apply/build-ledger.ts';
import { ensureBuild } from '../../src/apply/ensure-build.ts';
import type { Builder } from '../../src/build/builder.ts';
import type { Change } from '../../src/plan/types.ts';
import { finishBuild, insertBuild, listBuilds } from '../../src/store/builds.ts';
import type { Store } from '../../src/store/database.ts';
import { inputs, keys, model } from '../plan/factories.ts';
import { tempStore } from '../store/fixtures.ts';

const buildKeys = keys(['iris', inputs('iris')]);
const { key, inputs: keyInputs } = buildKeys.iris;
const candidate = (artifact: string | null): string | null => (artifact?.includes('/candidates/') ? 'its image is a pull-request candidate' : null);
const noBuild: Builder = {
  name: 'none',
  build: async () => {
    throw new Error('a build was started although a deployable build has the key');
  },
};

/** A finished build of iris with the key and `artifact`, as another apply or a check records it. */
function recorded(store: Store, artifact: string): number {
  const { number } = insertBuild(store, { model: 'iris', key, inputs: keyInputs });
  finishBuild(store, 'iris', number, { status: 'succeeded', artifact, logPath: null, digest: null });
  return number;
}

/** What the plan says when no deployable build had the key when it looked: build #`number`. */
function rebuild(number: number): Change {
  return { model: 'iris', action: 'rebuild', build: { number, key, reused: false }, reasons: [], desired: model('iris') };
}

async function ensure(store: Store, change: Change) {
  const lines: string[] = [];
  const deps = { root: '/repo', ledger: sqliteBuildLedger(store), builder: noBuild, keys: buildKeys, gitCommit: null, log: (line: string) => lines.push(line), notDeployable: (b: { artifact: string | null }) => candidate(b.artifact) };
  try {
    return { r: await ensureBuild(change, deps), lines, error: null };
  } catch (error) {
    return { r: null, lines, error: (error as Error).message };
  }
}

test('a deployable build another apply finished after the plan is reused, not the older candidate refused and built again', async () => {
  const { store, cleanup } = tempStore();
  try {
    recorded(store, 'registry.example/candidates/iris:k'); // #1: the pull request's check
    // The plan ran while another apply was writing #2 (unfinished then): it says "build #3".
    const change = rebuild(3);
    const other = recorded(store, 'registry.example/models/iris:k'); // #2 finished meanwhile
    const { r, lines, error } = await ensure(store, change);
    assert.is(error, null);
    assert.equal(r?.ok === true ? [r.build.number, r.reused] : r, [other, true]);
    assert.equal(listBuilds(store, 'iris').map((b) => b.number), [1, 2], 'no build #3 reserved');
    assert.equal(lines, []);
  } finally {
    cleanup();
  }
});

test('a candidate newer than a deployable build does not hide it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const deployable = recorded(store, 'registry.example/models/iris:k');
    recorded(store, 'registry.example/candidates/iris:k');
    const { r } = await ensure(store, rebuild(3));
    assert.ok(r?.ok === true && r.build.number === deployable && r.reused);
  } finally {
    cleanup();
  }
});

test('only candidates have the key: built again under a new number, and said once', async () => {
  const { store, cleanup } = tempStore();
  try {
    recorded(store, 'registry.example/candidates/iris:k');
    recorded(store, 'registry.example/candidates/iris:k');
    const { r, lines, error } = await ensure(store, rebuild(3));
    assert.is(r, null, 'the builder was asked');
    assert.match(error ?? '', 'a build was started');
    assert.equal(lines.slice(0, 1), ['iris: build #2 has this key but its image is a pull-request candidate: building it again here']);
    assert.is(lines.filter((line) => line.includes('has this key')).length, 1);
    assert.equal(listBuilds(store, 'iris').map((b) => [b.number, b.status]), [[1, 'succeeded'], [2, 'succeeded'], [3, 'building']]);
  } finally {
    cleanup();
  }
});

test.run();
