// "The content Git means", case by case: one real repository per case, asserting that the build key
// changes exactly when the content does, and that the snapshot (and the image context) holds the
// bytes and modes of `git archive` of the same commit, or that the plan refuses with the reason.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashCachePath } from '../../src/source/hash-cache.ts';
import type { BuildKey } from '../../src/source/types.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { modelSpec } from '../build/fixture.ts';
import { assertLikeArchive as likeArchive, contentRepo, hasLfs, keysIn, repoAt, runGit, type ContentRepo } from '../support/git-content.ts';

const m = modelSpec('m', 'm/predict.py');
const PREDICT = 'def predict(x):\n    return x\n';

async function keyOf(r: ContentRepo, model: ModelSpec = m): Promise<BuildKey> {
  const result = await keysIn(r.root, [model]);
  if (!result.ok) throw new Error(`keys failed: ${JSON.stringify(result.errors)}`);
  return result.keys[model.name]!;
}

/** The snapshot of `key` equals `git archive` of `commit`, and so does the image context. */
const assertLikeArchive = (r: ContentRepo, key: BuildKey, commit: string, model: ModelSpec = m) => likeArchive(r, key, commit, model);

async function refusal(r: ContentRepo, model: ModelSpec = m): Promise<string> {
  const result = await keysIn(r.root, [model]);
  assert.not.ok(result.ok, 'the plan must refuse');
  return result.ok ? '' : result.errors.map((e) => e.message).join('\n');
}

function base(): ContentRepo {
  const r = contentRepo();
  r.write('.gitignore', '.slipway/\n');
  r.write('m/predict.py', PREDICT);
  return r;
}

/** Each case gets a fresh repository and removes it. */
const cases: Array<[string, (r: ContentRepo) => Promise<void>]> = [
  ['.gitattributes eol=crlf: key from the clean blob, snapshot with CRLF as checkout writes it', async (r) => {
    r.write('.gitattributes', '*.txt eol=crlf\n');
    r.write('m/data.txt', 'a\nb\n');
    const commit = r.commit('crlf');
    const key = await keyOf(r);
    await assertLikeArchive(r, key, commit);
    rmSync(join(r.root, 'm/data.txt'));
    r.git('checkout', '--', 'm/data.txt');
    assert.is(execFileSync('od', ['-c', join(r.root, 'm/data.txt')], { encoding: 'utf8' }).includes('\\r'), true, 'the worktree has CRLF now');
    assert.is((await keyOf(r)).key, key.key, 'the same content, checked out again, keeps its key');
    r.write('.gitattributes', '*.txt eol=lf\n');
    assert.is.not((await keyOf(r)).key, key.key, 'other checkout bytes, another key');
  }],
  ['text=auto eol=crlf', async (r) => {
    r.write('.gitattributes', '* text=auto eol=crlf\n');
    r.write('m/data.txt', 'x\ny\n');
    r.write('m/blob.dat', Buffer.from([0, 1, 2, 10, 13, 10]));
    const commit = r.commit('auto');
    await assertLikeArchive(r, await keyOf(r), commit);
  }],
  ['core.autocrlf=true', async (r) => {
    r.git('config', 'core.autocrlf', 'true');
    r.write('m/data.txt', 'x\r\ny\r\n');
    const commit = r.commit('autocrlf');
    const key = await keyOf(r);
    await assertLikeArchive(r, key, commit);
    r.git('config', 'core.autocrlf', 'false');
    assert.is.not((await keyOf(r)).key, key.key, 'eol settings are keyed');
  }],
  ['chmod +x and back: the mode is keyed and the snapshot takes it from git', async (r) => {
    r.write('m/run.sh', '#!/bin/sh\necho hi\n');
    const first = r.commit('script');
    const plain = await keyOf(r);
    await assertLikeArchive(r, plain, first);
    chmodSync(join(r.root, 'm/run.sh'), 0o755);
    const executable = await keyOf(r);
    assert.is.not(executable.key, plain.key);
    const second = r.commit('chmod +x');
    assert.is((await keyOf(r)).key, executable.key, 'committing keeps the key');
    const folder = await assertLikeArchive(r, executable, second);
    assert.ok((statSync(join(folder, 'run.sh')).mode & 0o111) !== 0);
    chmodSync(join(r.root, 'm/run.sh'), 0o644);
    assert.is((await keyOf(r)).key, plain.key, 'chmod back gives the first key');
  }],
  ['a rename (or another model with the same key) reuses the snapshot content', async (r) => {
    r.write('m/data.txt', 'shared\n');
    const commit = r.commit('data');
    const first = await assertLikeArchive(r, await keyOf(r), commit);
    const renamed = modelSpec('renamed', 'm/predict.py');
    const again = await assertLikeArchive(r, await keyOf(r, renamed), commit, renamed);
    assert.is(statSync(join(again, 'data.txt')).ino, statSync(join(first, 'data.txt')).ino, 'same inode: linked, not copied');
  }],
  ['a symlink to a repository file outside the context is refused at plan', async (r) => {
    r.write('shared/util.py', 'A = 1\n');
    symlinkSync('../shared/util.py', join(r.root, 'm/util.py'));
    r.commit('link');
    assert.match(await refusal(r), /m\/util\.py is a symbolic link to shared\/util\.py, which is not part of this model's build; add shared\/util\.py with build\.include/);
  }],
  ['a symlink to an ignored file is refused at plan', async (r) => {
    r.write('.gitignore', '.slipway/\n*.secret\n');
    r.write('m/key.secret', 'hidden\n');
    symlinkSync('key.secret', join(r.root, 'm/key.txt'));
    r.commit('link to ignored');
    assert.match(await refusal(r), /m\/key\.txt is a symbolic link to m\/key\.secret, which \.gitignore excludes/);
  }],
  ['a name that is not UTF-8 is refused at plan, named as git quotes it', async (r) => {
    r.commit('base');
    writeFileSync(Buffer.concat([Buffer.from(`${r.root}/m/caf`), Buffer.from([0xe9]), Buffer.from('.py')]), 'x');
    assert.match(await refusal(r), /"m\/caf\\351\.py" has a name that is not UTF-8/);
    r.git('add', '-A');
    assert.match(await refusal(r), /"m\/caf\\351\.py" has a name that is not UTF-8/, 'tracked too');
  }],
  ['a sparse checkout leaving out part of a context is refused at plan', async (r) => {
    r.write('m/sub/helper.py', 'A = 1\n');
    r.write('other/x.py', 'B = 1\n');
    r.commit('tree');
    r.git('sparse-checkout', 'set', '--no-cone', '/m/predict.py', '/other/');
    assert.not.ok(existsSync(join(r.root, 'm/sub/helper.py')));
    assert.match(await refusal(r), /m\/sub\/helper\.py of this model's build are left out of the working tree by the sparse checkout: run `git sparse-checkout add m`/);
  }],
  ['untracked files are hashed only inside a context, and remembered by their stat data', async (r) => {
    r.commit('base');
    r.write('m/new.py', 'N = 1\n');
    r.write('elsewhere/big.dat', 'not in any model\n');
    const first = await keyOf(r);
    const cache = JSON.parse(readFileSync(hashCachePath(join(r.root, '.git')), 'utf8')) as { entries: Record<string, unknown> };
    assert.equal(Object.keys(cache.entries), ['m/new.py'], 'only the file inside the context was hashed');
    utimesSync(join(r.root, 'm/new.py'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.is((await keyOf(r)).key, first.key, 'the remembered id is the same id');
    r.write('m/new.py', 'N = 2\n');
    assert.is.not((await keyOf(r)).key, first.key, 'a change is seen through the cache');
  }],
  ['models.yaml in the context and .slipway/ never change a key', async (r) => {
    const model = modelSpec('m', 'm/predict.py');
    r.write('m/models.yaml', 'models: []\n');
    r.commit('spec');
    const before = await keysIn(r.root, [model], 'm/models.yaml');
    r.write('m/models.yaml', 'models: [] # replicas: 3, description changed\n');
    r.write('m/.slipway/cache', 'x');
    assert.equal(await keysIn(r.root, [model], 'm/models.yaml'), before);
    assert.ok(before.ok && !before.keys.m!.inputs.files.some((f) => f.path.endsWith('models.yaml')));
  }],
];

const lfsCases: Array<[string, (r: ContentRepo) => Promise<void>]> = [
  ['Git LFS present, then changed: the pointer is keyed, the snapshot holds the object', async (r) => {
    r.git('lfs', 'install', '--local');
    r.write('.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    r.write('m/weights.bin', 'real weights v1\n'.repeat(100));
    const first = r.commit('weights');
    const key = await keyOf(r);
    assert.match(r.git('cat-file', '-p', `HEAD:m/weights.bin`), /^version https:\/\/git-lfs/, 'git stores a pointer');
    const folder = await assertLikeArchive(r, key, first);
    assert.match(execFileSync('head', ['-c', '15', join(folder, 'weights.bin')], { encoding: 'utf8' }), /real weights v1/);
    r.write('m/weights.bin', 'real weights v2\n'.repeat(100));
    const changed = await keyOf(r);
    assert.is.not(changed.key, key.key, 'a changed object is a new key before commit');
    const second = r.commit('v2');
    assert.is((await keyOf(r)).key, changed.key);
    await assertLikeArchive(r, changed, second);
  }],
  ['Git LFS missing: the plan refuses, and after `git lfs pull` the same key builds the object', async (r) => {
    r.git('lfs', 'install', '--local');
    r.write('.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    r.write('m/weights.bin', 'the real object\n');
    const commit = r.commit('weights');
    const key = await keyOf(r);
    runGit(r.base, ['init', '-q', '--bare', 'remote.git']);
    r.git('remote', 'add', 'origin', join(r.base, 'remote.git'));
    r.git('push', '-q', 'origin', 'main');
    execFileSync('git', ['clone', '-q', '-b', 'main', join(r.base, 'remote.git'), 'clone'], { cwd: r.base, env: { ...process.env, GIT_LFS_SKIP_SMUDGE: '1' }, stdio: 'ignore' });
    const clone = repoAt(r.base, join(r.base, 'clone'));
    clone.write('.git/info/exclude', '.slipway/\n');
    const missing = await refusal(clone);
    assert.match(missing, /m\/weights\.bin is an LFS pointer without its object: run `git lfs pull`, or set `lfs: true` on actions\/checkout/);
    clone.git('lfs', 'pull');
    const pulled = await keyOf(clone);
    assert.is(pulled.key, key.key, 'the same commit, the same key');
    await assertLikeArchive(clone, pulled, commit);
  }],
];

for (const [name, run] of [...cases, ...(hasLfs ? lfsCases : [])]) {
  test(name, async () => {
    const r = base();
    try {
      await run(r);
    } finally {
      r.remove();
    }
  });
}

test('submodules: added, bumped, uninitialised; `file:` inside a submodule', async () => {
  const lib = contentRepo('lib');
  try {
    lib.write('helpers.py', 'def double(v):\n    return 2 * v\n');
    lib.write('tool.sh', '#!/bin/sh\n', 0o755);
    lib.commit('lib v1');
    const r = contentRepo('repo', lib.base);
    r.write('.gitignore', '.slipway/\n');
    r.write('m/predict.py', PREDICT);
    r.commit('base');
    const without = await keyOf(r);
    r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', join(lib.base, 'lib'), 'm/vendor');
    const added = await keyOf(r);
    assert.is.not(added.key, without.key, 'adding a submodule changes the key');
    assert.ok(added.inputs.files.some((f) => f.path === 'm/vendor/helpers.py'), 'its files are keyed');
    assert.equal(added.inputs.submodules, [{ path: 'm/vendor', commit: lib.git('rev-parse', 'HEAD'), config: '' }]);
    const commit = r.commit('add submodule');
    await assertLikeArchive(r, added, commit);

    lib.write('helpers.py', 'def double(v):\n    return v + v\n');
    lib.commit('lib v2');
    r.git('-C', 'm/vendor', '-c', 'protocol.file.allow=always', 'pull', '-q', 'origin', 'main');
    const bumped = await keyOf(r);
    assert.is.not(bumped.key, added.key, 'bumping the submodule changes the key');
    await assertLikeArchive(r, bumped, r.commit('bump'));

    const inside = { ...modelSpec('v', 'm/vendor/helpers.py', { context: 'm' }), function: 'double' };
    const pointed = await keysIn(r.root, [inside]);
    assert.ok(pointed.ok, pointed.ok ? '' : JSON.stringify(pointed.errors));
    if (pointed.ok) await assertLikeArchive(r, pointed.keys.v!, r.git('rev-parse', 'HEAD'), inside);

    execFileSync('git', ['clone', '-q', r.root, 'fresh'], { cwd: r.base, stdio: 'ignore' });
    const fresh = repoAt(r.base, join(r.base, 'fresh'));
    assert.match(await refusal(fresh), /m\/vendor is a submodule that is not checked out: run `git submodule update --init --recursive`/);
    fresh.git('-c', 'protocol.file.allow=always', 'submodule', 'update', '-q', '--init', '--recursive');
    assert.is((await keyOf(fresh)).key, bumped.key, 'initialised, the same key');
  } finally {
    lib.remove();
  }
});

test.run();


