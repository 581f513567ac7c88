// "The content Git means" inside submodules: a submodule is a repository of its own, so its own
// `.gitattributes`, eol settings and Git LFS store decide its files' checkout bytes. The key must
// change when they do, the snapshot must equal `git archive` (recursive) of the commit, and an LFS
// pointer whose object the submodule lacks is refused at plan, as at the top level.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildKey } from '../../src/source/types.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { modelSpec } from '../build/fixture.ts';
import { assertLikeArchive, buildSnapshot, contentRepo, hasLfs, keysIn, repoAt, type ContentRepo } from '../support/git-content.ts';

const PREDICT = 'def predict(x):\n    return x\n';
const ALLOW_FILE = ['-c', 'protocol.file.allow=always'];

async function keyOf(r: ContentRepo, model: ModelSpec): Promise<BuildKey> {
  const result = await keysIn(r.root, [model]);
  if (!result.ok) throw new Error(`keys failed: ${JSON.stringify(result.errors)}`);
  return result.keys[model.name]!;
}

/** A library repository (`<base>/lib`) with `files`, committed, and a repository using it at `m/vendor`. */
function withSubmodule(setUp: (lib: ContentRepo) => void): { lib: ContentRepo; r: ContentRepo } {
  const lib = contentRepo('lib');
  setUp(lib);
  lib.commit('lib');
  const r = contentRepo('repo', lib.base);
  r.write('.gitignore', '.slipway/\n');
  r.write('m/predict.py', PREDICT);
  r.git(...ALLOW_FILE, 'submodule', 'add', '-q', join(lib.base, 'lib'), 'm/vendor');
  r.commit('with lib');
  return { lib, r };
}

test("a submodule's own .gitattributes and eol settings are keyed, and its snapshot is checked out by its rules", async () => {
  const { lib, r } = withSubmodule((lib) => {
    lib.write('.gitattributes', '*.txt eol=crlf\n');
    lib.write('pkg/data.txt', 'a\nb\n');
    lib.write('pkg/predict.py', PREDICT);
  });
  try {
    const whole = modelSpec('m', 'm/predict.py');
    // A context inside the submodule: its .gitattributes is not a file of the build, yet rules it.
    const inner = modelSpec('v', 'm/vendor/pkg/predict.py', { context: 'm/vendor/pkg' });
    const first = r.git('rev-parse', 'HEAD');
    const wholeKey = await keyOf(r, whole);
    assert.ok(wholeKey.inputs.checkout?.attributes.some((a) => a.path === 'm/vendor/pkg/data.txt' && a.attributes.includes('eol=crlf')), "the submodule's attributes are in the key");
    const folder = await assertLikeArchive(r, wholeKey, first, whole);
    assert.is(readFileSync(join(folder, 'vendor/pkg/data.txt'), 'latin1'), 'a\r\nb\r\n', 'checked out with CRLF, as the submodule says');
    const crlf = await keyOf(r, inner);
    await assertLikeArchive(r, crlf, first, inner);

    // Changed in the submodule's working tree only: same commit, same blobs, other checkout bytes.
    r.write('m/vendor/.gitattributes', '*.txt eol=lf\n');
    const lf = await keyOf(r, inner);
    assert.is.not(lf.key, crlf.key, "a change to the submodule's .gitattributes changes the key");
    assert.equal(lf.inputs.files, crlf.inputs.files, 'the blobs are the same');
    const lfFolder = await buildSnapshot(r, lf, inner);
    assert.is(readFileSync(join(lfFolder, 'data.txt'), 'latin1'), 'a\nb\n', 'the content store does not hand back the CRLF checkout');
    lib.git('-C', join(r.root, 'm/vendor'), 'commit', '-qam', 'lf');
    r.git('add', 'm/vendor');
    const second = r.commit('bump lib');
    await assertLikeArchive(r, await keyOf(r, inner), second, inner);

    // The submodule's own core.autocrlf, not the superproject's, decides its files without attributes.
    const before = await keyOf(r, inner);
    r.git('-C', 'm/vendor', 'config', 'core.autocrlf', 'true');
    const autocrlf = await keyOf(r, inner);
    assert.is.not(autocrlf.key, before.key, "the submodule's eol settings are keyed");
    assert.equal(autocrlf.inputs.checkout?.config, before.inputs.checkout?.config, "the superproject's settings did not change");
    const crlfFolder = await assertLikeArchive(r, autocrlf, second, inner);
    assert.is(readFileSync(join(crlfFolder, 'predict.py'), 'latin1'), PREDICT.replaceAll('\n', '\r\n'));
  } finally {
    lib.remove();
  }
});

if (hasLfs) {
  test('an LFS pointer inside a submodule without its object is refused at plan; pulled, it builds the object', async () => {
    const { lib, r } = withSubmodule((lib) => {
      lib.git('lfs', 'install', '--local');
      lib.write('.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      lib.write('weights.bin', 'the real weights\n'.repeat(50));
    });
    try {
      const model = modelSpec('m', 'm/predict.py');
      const key = await keyOf(r, model);
      const commit = r.git('rev-parse', 'HEAD');
      const folder = await assertLikeArchive(r, key, commit, model);
      assert.match(readFileSync(join(folder, 'vendor/weights.bin'), 'utf8'), /^the real weights/);

      const skip = { ...process.env, GIT_LFS_SKIP_SMUDGE: '1' };
      execFileSync('git', ['clone', '-q', r.root, 'clone'], { cwd: r.base, env: skip, stdio: 'ignore' });
      const clone = repoAt(r.base, join(r.base, 'clone'));
      execFileSync('git', [...ALLOW_FILE, 'submodule', 'update', '-q', '--init', '--recursive'], { cwd: clone.root, env: skip, stdio: 'ignore' });
      clone.write('.git/info/exclude', '.slipway/\n');
      assert.match(readFileSync(join(clone.root, 'm/vendor/weights.bin'), 'utf8'), /^version https:\/\/git-lfs/, 'the clone has the pointer only');
      const result = await keysIn(clone.root, [model]);
      assert.not.ok(result.ok, 'the plan must refuse');
      const message = result.ok ? '' : result.errors.map((e) => e.message).join('\n');
      assert.match(message, /m\/vendor\/weights\.bin is an LFS pointer without its object: run `git -C m\/vendor lfs pull`/);

      clone.git('-C', 'm/vendor', 'lfs', 'pull');
      const pulled = await keyOf(clone, model);
      assert.is(pulled.key, key.key, 'the same commit, the same key');
      await assertLikeArchive(clone, pulled, commit, model);
    } finally {
      lib.remove();
    }
  });
}

test.run();
