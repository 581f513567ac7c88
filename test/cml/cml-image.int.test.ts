// The CML-style project through the image path for real: models.yaml loaded, keys computed from
// git, buildah builds the image with the project root at /home/cdsw, podman runs it and the
// model (in a subfolder, importing src/ and opening a root-relative artifact) answers its example.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { testImage } from '../../src/build/podman-test-run.ts';
import { computeBuildKeys } from '../../src/source/build-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { cmlLayoutFiles } from '../support/cml-layout-project.ts';
import { gitFixture } from '../support/git-fixture.ts';

const available = containersAvailable('CML layout image test');
const run = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
const logs: string[] = [];
const fx = gitFixture();

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  fx.remove();
  await registry?.stop();
});

run('a project-rooted model builds as an image at /home/cdsw and answers', async () => {
  const nonce = randomBytes(6).toString('hex');
  // The base image has pip (python3-pip), so the requirement is already satisfied there.
  for (const [file, content] of Object.entries(cmlLayoutFiles({ requirements: 'pip\n' }))) fx.write(file, content);
  fx.write('models.yaml', cmlLayoutFiles()['models.yaml']!.replace('name: churn', `name: churn-${nonce}`));
  fx.write('.gitignore', '.slipway/\n');
  fx.commitAll('cml project');
  const loaded = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) return;
  const model = loaded.spec.models[0]!;
  const keys = await computeBuildKeys(await openRepo(fx.root), loaded.spec);
  assert.ok(keys.ok, JSON.stringify(keys));
  if (!keys.ok) return;
  const builder = createBuildahBuilder({ stateDir: `${fx.root}/.slipway`, registry: `${registry!.address}/slipway`, baseImage: BASE_IMAGE, pull: 'never' });
  const built = await builder.build({ root: fx.root, model, key: keys.keys[model.name]!, number: 1 });
  logs.push(built.logPath);
  assert.ok(built.ok, built.ok ? '' : `${built.message}\n${built.errorTail}`);
  if (!built.ok) return;
  const log = readFileSync(built.logPath, 'utf8');
  assert.match(log, 'build script cdsw-build.sh installs requirements.txt itself (pip install -r), as in CML: no separate pip step');
  assert.not.match(log, '"pip", "install"', 'no pip step in the Containerfile');
  const tested = await testImage(model, built.artifact);
  assert.ok(tested.ok, tested.ok ? '' : `${tested.message}\n${tested.logs}`);
  if (!tested.ok) return;
  assert.equal(tested.results.map((result) => [result.got, result.pass]), [[{ score: 10, root: true }, true]]);
});

test.run();
