import { symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBuildKeys, type KeysResult } from '../../src/source/build-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import { DEFAULT_BASE_IMAGE } from '../../src/source/runtime-version.ts';
import type { BuildKeys, KeyInputs } from '../../src/source/types.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { model, spec } from './spec-factory.ts';

const fixtures: GitFixture[] = [];
test.after.each(() => {
  for (const fixture of fixtures.splice(0)) fixture.remove();
});

/** A committed repository with two models in separate folders and a README beside them. */
function twoModelRepo(): GitFixture {
  const repo = gitFixture();
  fixtures.push(repo);
  repo.write('.gitignore', '*.log\n');
  repo.write('README.md', '# models\n');
  repo.write('models/alpha/predict.py', 'def predict(args):\n    return args["x"] + 1\n');
  repo.write('models/alpha/util.py', 'SCALE = 1\n');
  repo.write('models/alpha/requirements.txt', 'numpy\n');
  repo.write('models/beta/predict.py', 'def predict(args):\n    return 0\n');
  repo.write('models/beta/build.sh', 'echo building\n');
  repo.commitAll('two models');
  return repo;
}

const alpha = (overrides: Parameters<typeof model>[2] = {}) =>
  model('alpha', 'models/alpha', { ...overrides, build: { requirements: 'models/alpha/requirements.txt', ...overrides.build } });
const beta = (overrides: Parameters<typeof model>[2] = {}) =>
  model('beta', 'models/beta', { ...overrides, build: { script: 'models/beta/build.sh', ...overrides.build } });

async function compute(repo: GitFixture, models: ModelSpec[] = [alpha(), beta()]): Promise<KeysResult> {
  return computeBuildKeys(await openRepo(repo.root), spec(repo.root, models));
}

async function okKeys(repo: GitFixture, models?: ModelSpec[]): Promise<BuildKeys> {
  const result = await compute(repo, models);
  if (!result.ok) throw new Error(`keys failed: ${JSON.stringify(result.errors)}`);
  return result.keys;
}

async function keysOf(repo: GitFixture, models?: ModelSpec[]): Promise<Record<string, string>> {
  const keys = await okKeys(repo, models);
  return Object.fromEntries(Object.entries(keys).map(([name, { key }]) => [name, key]));
}

async function manifestOf(repo: GitFixture, name: string, models?: ModelSpec[]): Promise<KeyInputs> {
  return (await okKeys(repo, models))[name]!.inputs;
}

test('the manifest lists the model files with the blob ids git computes', async () => {
  const repo = twoModelRepo();
  const inputs = await manifestOf(repo, 'alpha');
  const expected = ['models/alpha/predict.py', 'models/alpha/requirements.txt', 'models/alpha/util.py'];
  assert.equal(inputs.files.map((f) => f.path), expected);
  for (const file of inputs.files) assert.is(file.blob, repo.git('hash-object', '--', file.path));
  assert.equal(inputs.requirements, { path: 'models/alpha/requirements.txt', blob: repo.git('hash-object', 'models/alpha/requirements.txt') });
  assert.is(inputs.script, null);
  assert.is(inputs.file, 'models/alpha/predict.py');
  assert.is(inputs.function, 'predict');
  assert.is(inputs.runtimeVersion, '1');
  const beta = await manifestOf(repo, 'beta');
  assert.equal(beta.script, { path: 'models/beta/build.sh', blob: repo.git('hash-object', 'models/beta/build.sh') });
});

test('a change inside a model context changes its key and only its key', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('models/alpha/util.py', 'SCALE = 2\n');
  repo.commitAll('scale');
  const after = await keysOf(repo);
  assert.is.not(after.alpha, before.alpha);
  assert.is(after.beta, before.beta);
});

test('replicas, resources, env, state, description and examples do not change a key', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  const serving = { replicas: 3, env: { THRESHOLD: { value: '0.5' } }, resources: { cpu: '2', memory: '1Gi', gpu: 1 } };
  const after = await keysOf(repo, [
    alpha({ serving, description: 'changed', examples: [{ input: { x: 5 }, output: 6 }], state: 'stopped' }),
    beta({ serving: { concurrency: 4, timeoutSeconds: 5, auth: false } }),
  ]);
  assert.equal(after, before);
});

test('a README or new file outside every context does not change a key', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('README.md', '# models, documented\n');
  repo.write('notes/todo.txt', 'later\n');
  assert.equal(await keysOf(repo), before);
  repo.commitAll('docs');
  assert.equal(await keysOf(repo), before);
});

test('files that .gitignore matches do not count', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('models/alpha/train.log', 'epoch 1\n');
  repo.write('models/alpha/cache/.gitignore', '*\n');
  repo.write('models/alpha/cache/weights.bin', 'big\n');
  assert.equal(await keysOf(repo), before);
  assert.not.ok((await manifestOf(repo, 'alpha')).files.some((f) => f.path.endsWith('.log') || f.path.includes('weights')));
});

test('untracked files count, with the key they keep once committed', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('models/alpha/features.py', 'FEATURES = ["x"]\n');
  const untracked = await keysOf(repo);
  assert.is.not(untracked.alpha, before.alpha);
  assert.is(untracked.beta, before.beta);
  const entry = (await manifestOf(repo, 'alpha')).files.find((f) => f.path === 'models/alpha/features.py');
  assert.is(entry?.blob, repo.git('hash-object', 'models/alpha/features.py'));
  repo.commitAll('features');
  assert.equal(await keysOf(repo), untracked);
});

test('an uncommitted change changes the key, and restoring the file gives the old key back', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('models/alpha/predict.py', 'def predict(args):\n    return args["x"] + 2\n');
  const modified = await keysOf(repo);
  assert.is.not(modified.alpha, before.alpha);
  assert.is(modified.beta, before.beta);
  repo.git('add', 'models/alpha/predict.py');
  assert.equal(await keysOf(repo), modified, 'staged but not committed');
  repo.write('models/alpha/predict.py', 'def predict(args):\n    return args["x"] + 1\n');
  assert.equal(await keysOf(repo), before, 'content restored by hand, index still staged');
  repo.git('reset', '-q');
  assert.equal(await keysOf(repo), before);
});

test('a tracked file deleted from the working tree leaves the build', async () => {
  const repo = twoModelRepo();
  unlinkSync(join(repo.root, 'models/alpha/util.py'));
  const inputs = await manifestOf(repo, 'alpha');
  assert.equal(inputs.files.map((f) => f.path), ['models/alpha/predict.py', 'models/alpha/requirements.txt']);
  const deleted = await keysOf(repo);
  repo.commitAll('remove util');
  assert.equal(await keysOf(repo), deleted);
});

test('git revert of a change gives back the earlier key', async () => {
  const repo = twoModelRepo();
  const before = await keysOf(repo);
  repo.write('models/alpha/predict.py', 'def predict(args):\n    return -1\n');
  repo.write('models/alpha/extra.py', 'X = 1\n');
  repo.commitAll('break it');
  const broken = await keysOf(repo);
  assert.is.not(broken.alpha, before.alpha);
  repo.git('revert', '--no-edit', 'HEAD');
  assert.equal(await keysOf(repo), before);
});

test('include paths bring files from outside the context into the key', async () => {
  const repo = twoModelRepo();
  repo.write('shared/features.py', 'A = 1\n');
  repo.commitAll('shared');
  const models = [alpha({ build: { include: ['shared'] } }), beta()];
  const before = await keysOf(repo, models);
  repo.write('shared/features.py', 'A = 2\n');
  const after = await keysOf(repo, models);
  assert.is.not(after.alpha, before.alpha);
  assert.is(after.beta, before.beta);
});

test('file, function, runtime, baseImage, requirements and script each change the key', async () => {
  const repo = twoModelRepo();
  repo.write('models/alpha/build.sh', 'echo alpha\n');
  repo.write('models/alpha/other.py', 'def other(args):\n    return 1\n');
  repo.write('deps/requirements.txt', 'pandas\n');
  repo.commitAll('more');
  const key = async (m: ModelSpec) => (await keysOf(repo, [m])).alpha;
  const base = await key(alpha());
  const variants = [
    alpha({ file: 'models/alpha/other.py' }),
    alpha({ function: 'other' }),
    alpha({ runtime: 'r' }),
    alpha({ build: { baseImage: 'localhost/base/python:3.11-bookworm' } }),
    alpha({ build: { requirements: null } }),
    alpha({ build: { requirements: 'deps/requirements.txt' } }),
    alpha({ build: { script: 'models/alpha/build.sh' } }),
  ];
  const keys = await Promise.all(variants.map(key));
  for (const variant of keys) assert.is.not(variant, base);
  assert.is(new Set(keys).size, keys.length);
  repo.write('models/alpha/requirements.txt', 'numpy\nscipy\n');
  assert.is.not(await key(alpha()), base, 'requirements content');
});

test("a model without build.baseImage is keyed with the default image's name; one that declares its own is not", async () => {
  const repo = twoModelRepo();
  const defaulted = await manifestOf(repo, 'alpha', [alpha()]);
  assert.is(defaulted.baseImage, null);
  assert.is(defaulted.defaultBaseImage, DEFAULT_BASE_IMAGE);
  const declared = await manifestOf(repo, 'alpha', [alpha({ build: { baseImage: 'localhost/base/python:3.11-bookworm' } })]);
  assert.is(declared.baseImage, 'localhost/base/python:3.11-bookworm');
  assert.is(declared.defaultBaseImage, null);
});

test('a symlink out of the repository is refused and named; one inside is keyed as git stores it', async () => {
  const repo = twoModelRepo();
  symlinkSync('util.py', join(repo.root, 'models/alpha/alias.py'));
  const inside = (await manifestOf(repo, 'alpha')).files.find((f) => f.path === 'models/alpha/alias.py');
  repo.commitAll('link inside');
  assert.is(inside?.blob, repo.git('rev-parse', 'HEAD:models/alpha/alias.py'));
  assert.ok((await compute(repo)).ok);

  symlinkSync('/etc/hostname', join(repo.root, 'models/alpha/host.txt'));
  const untracked = await compute(repo);
  assert.not.ok(untracked.ok);
  if (untracked.ok) return;
  assert.is(untracked.errors.length, 1);
  assert.is(untracked.errors[0]!.model, 'alpha');
  assert.is(untracked.errors[0]!.path, 'models/alpha/host.txt');
  assert.match(untracked.errors[0]!.message, /models\/alpha\/host\.txt is a symbolic link to \/etc\/hostname, outside the repository/);

  repo.commitAll('link outside');
  const committed = await compute(repo);
  assert.equal(committed, untracked, 'committed link is refused the same way');
  assert.ok((await compute(repo, [beta()])).ok, 'other models are not concerned');

  symlinkSync('../../../../nowhere', join(repo.root, 'models/beta/dangling'));
  const dangling = await compute(repo, [beta()]);
  assert.equal(dangling.ok ? [] : dangling.errors.map((e) => e.path), ['models/beta/dangling']);
});

test('files in .slipway/ never count, even when .gitignore forgets them', async () => {
  const repo = twoModelRepo();
  const everything = [model('all', '.', { file: 'models/alpha/predict.py' })];
  const before = await keysOf(repo, everything);
  repo.write('.slipway/state.db', 'sqlite\n');
  repo.write('.slipway/builds/alpha/1/predict.py', 'copy\n');
  assert.equal(await keysOf(repo, everything), before);
});

test('odd file names are keyed with the blob ids git gives them', async () => {
  const repo = twoModelRepo();
  const names = ['with space.py', 'new\nline.py', 'quote".py', 'ünïcødé.py', 'back\\slash.py', 'tab\t.py', '"leading.py', '-dash.py'];
  names.forEach((name, index) => repo.write(`models/alpha/${name}`, `N = ${index}\n`));
  const check = async () => {
    const files = (await manifestOf(repo, 'alpha')).files;
    for (const name of names) {
      const entry = files.find((f) => f.path === `models/alpha/${name}`);
      assert.ok(entry, `${JSON.stringify(name)} is in the manifest`);
      assert.is(entry.blob, repo.git('hash-object', '--', `models/alpha/${name}`), JSON.stringify(name));
    }
  };
  await check();
  const untracked = await keysOf(repo);
  repo.commitAll('odd names');
  assert.equal(await keysOf(repo), untracked);
  names.forEach((name) => repo.write(`models/alpha/${name}`, `N = "${name}"\n`));
  await check();
});

test('a file the spec names that git cannot see is an error naming model and path', async () => {
  const repo = twoModelRepo();
  repo.write('.gitignore', '*.log\nrequirements.txt\n');
  repo.git('rm', '-q', '--cached', 'models/alpha/requirements.txt');
  const result = await compute(repo, [alpha({ build: { include: ['models/missing'] } }), beta()]);
  assert.not.ok(result.ok);
  if (result.ok) return;
  assert.equal(result.errors.map((e) => [e.model, e.path]), [
    ['alpha', 'models/alpha/requirements.txt'],
    ['alpha', 'models/missing'],
  ]);
  assert.match(result.errors[0]!.message, /requirements models\/alpha\/requirements\.txt .*\.gitignore/);
});

test.run();
