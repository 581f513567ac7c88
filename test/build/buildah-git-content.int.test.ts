// What goes into an image equals the snapshot: the image builder gets the git-content cases where
// they apply (eol attributes, an executable bit, a link, Git LFS, a submodule with its own
// .gitattributes), builds with buildah, and the files under the image's app folder are read back
// from the image itself and compared with the snapshot of the same key, which equals `git archive`.
import { randomBytes } from 'node:crypto';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { IMAGE_APP_DIR } from '../../src/build/containerfile.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, removeBuiltImages, run, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { assertLikeArchive, contentRepo, hasLfs, keysIn, readTree, type ContentRepo, type Tree } from '../support/git-content.ts';
import { modelSpec } from './fixture.ts';

const available = containersAvailable('buildah git-content tests');
const maybe = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
const logs: string[] = [];
const repos: ContentRepo[] = [];

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  for (const repo of repos) repo.remove();
  await registry?.stop();
});

async function must(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The files of `image` under the app folder, at the paths of `expected`, read from a mounted working container. */
async function imageFiles(image: string, expected: Tree): Promise<Tree> {
  const container = await must('buildah', ['from', '--pull=never', image]);
  try {
    const mount = await must('buildah', ['mount', container]);
    const all = readTree(join(mount, IMAGE_APP_DIR));
    return Object.fromEntries(Object.keys(expected).map((path) => [path, all[path]!]));
  } finally {
    await run('buildah', ['rm', container]);
  }
}

maybe('the files an image holds are the snapshot: eol attributes, modes, links, Git LFS, a submodule with its own attributes', async () => {
  const lib = contentRepo('lib');
  repos.push(lib);
  lib.write('.gitattributes', '*.txt eol=crlf\n');
  lib.write('notes.txt', 'one\ntwo\n');
  lib.commit('lib');
  const r = contentRepo('repo', lib.base);
  r.write('.gitignore', '.slipway/\n');
  r.write('.gitattributes', `*.cfg eol=crlf\n${hasLfs ? '*.bin filter=lfs diff=lfs merge=lfs -text\n' : ''}`);
  if (hasLfs) {
    r.git('lfs', 'install', '--local');
    r.write('m/weights.bin', 'the real weights\n'.repeat(20));
  }
  r.write('m/predict.py', 'def predict(x):\n    return x\n');
  r.write('m/settings.cfg', 'a = 1\nb = 2\n');
  r.write('m/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  symlinkSync('settings.cfg', join(r.root, 'm/current.cfg'));
  r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', join(lib.base, 'lib'), 'm/vendor');
  const commit = r.commit('content');

  const model = modelSpec(`content-${randomBytes(4).toString('hex')}`, 'm/predict.py');
  const keys = await keysIn(r.root, [model]);
  if (!keys.ok) throw new Error(JSON.stringify(keys.errors));
  const key = keys.keys[model.name]!;
  const snapshot = readTree(await assertLikeArchive(r, key, commit, model), ['build.json']);
  assert.is(snapshot['vendor/notes.txt']?.bytes, 'one\r\ntwo\r\n', "the submodule's attributes apply");

  const builder = createBuildahBuilder({ stateDir: join(r.root, '.slipway'), registry: `${registry!.address}/slipway`, baseImage: BASE_IMAGE, pull: 'never' });
  const built = await builder.build({ root: r.root, model, key, number: 1 });
  logs.push(built.logPath);
  assert.ok(built.ok, built.ok ? '' : `${built.message}\n${built.errorTail}`);
  if (!built.ok) return;
  assert.equal(await imageFiles(built.artifact, snapshot), snapshot, 'image = snapshot');
});

test.run();
