// Failures on the image path, for real: a failing build script names its Containerfile step and
// pushes nothing; an unreachable registry fails before building; an image whose model cannot be
// imported fails its test run with the traceback, and leaves no container behind.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { inspectImage } from '../../src/build/image-inspect.ts';
import { startImageReplica } from '../../src/build/podman-test-run.ts';
import {
  BASE_IMAGE,
  containersAvailable,
  createdImages,
  ensureBaseImage,
  leftoverTestContainers,
  removeBuiltImages,
  run as runCommand,
  startRegistry,
  type LoopbackRegistry,
} from '../support/containers.ts';
import type { Repo } from './fixture.ts';
import { addNumbersRepo } from './image-fixture.ts';

const available = containersAvailable('buildah failure tests');
const run = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
const repos: Repo[] = [];
const logs: string[] = [];
// Model names of this run only, so runs at the same time on this machine keep apart.
const suffix = randomBytes(4).toString('hex');

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

function fixtureFor(name: string, script?: string) {
  const fixture = addNumbersRepo(`${name}-${suffix}`, 'unused', script);
  repos.push(fixture.repo);
  return fixture;
}

run('a failing build script reports its step and the tail of its output; nothing is pushed', async () => {
  const fixture = fixtureFor('broken', 'echo "about to fail"\necho "the reason is here" >&2\nexit 3\n');
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry!.address, baseImage: BASE_IMAGE, pull: 'never' });
  const key = fixture.key();
  const outcome = await builder.build({ root: fixture.repo.root, model: fixture.model, key, number: 1 });
  logs.push(outcome.logPath);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.match(outcome.message, /^image build failed: STEP \d+\/\d+ RUN \["bash", "build\.sh"\] failed \(exit status 3\); buildah bud exited with 3$/);
  assert.match(outcome.errorTail, /about to fail/);
  assert.match(outcome.errorTail, /the reason is here/);
  assert.match(readFileSync(outcome.logPath, 'utf8'), /build failed: image build failed: STEP/);
  const created = createdImages(readFileSync(outcome.logPath, 'utf8'));
  assert.ok(created.length > 0, 'the steps before the script were built');
  const working = (await runCommand('buildah', ['containers', '--format', '{{.ImageID}}'])).stdout;
  assert.not.ok(created.some((id) => working.includes(id)), 'no working container is left behind');
  const pushed = await inspectImage(`${registry!.address}/${fixture.model.name}:${key.key}`, { tlsVerify: false });
  assert.equal(pushed, { found: false });
});

run("the model's build.baseImage overrides the builder's; a missing one names the FROM step", async () => {
  const fixture = fixtureFor('nobase');
  fixture.model.build.baseImage = 'localhost/base/absent:1';
  const key = fixture.key();
  // As computeBuildKeys does: the model's base image is one of the key's inputs.
  key.inputs.baseImage = fixture.model.build.baseImage;
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry!.address, baseImage: BASE_IMAGE, pull: 'never' });
  const outcome = await builder.build({ root: fixture.repo.root, model: fixture.model, key, number: 1 });
  logs.push(outcome.logPath);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.match(outcome.message, /^image build failed: STEP 1\/\d+ FROM localhost\/base\/absent:1 failed \(.*image not known\)/);
});

run('an unreachable registry fails the build before buildah runs', async () => {
  const fixture = fixtureFor('offline');
  // Port 9 (discard) on loopback: nothing listens there.
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: '127.0.0.1:9', baseImage: BASE_IMAGE, pull: 'never' });
  const outcome = await builder.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 });
  logs.push(outcome.logPath);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.match(outcome.message, /^cannot ask the registry for 127\.0\.0\.1:9\/offline-[0-9a-f]{8}:[0-9a-f]{64}: .*connection refused.*; check that the registry is reachable$/);
  assert.not.match(readFileSync(outcome.logPath, 'utf8'), /\[buildah\]/);
});

run('an image whose model fails to import fails its test run with the traceback; no container is left', async () => {
  const fixture = fixtureFor('noimport');
  fixture.repo.write('m/predict.py', 'raise RuntimeError("model file is broken")\n');
  const builder = createBuildahBuilder({ stateDir: fixture.repo.stateDir, registry: registry!.address, baseImage: BASE_IMAGE, pull: 'never' });
  const built = await builder.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 });
  logs.push(built.logPath);
  assert.ok(built.ok, built.ok ? '' : built.message);
  if (!built.ok) return;
  const started = await startImageReplica(built.artifact, { model: fixture.model.name, readyTimeoutMs: 30_000 });
  assert.not.ok(started.ok);
  if (started.ok) {
    await started.replica.stop();
    return;
  }
  assert.match(started.message, /the container exited with code 3 before it was ready/);
  assert.match(started.logs, /RuntimeError: model file is broken/);
  assert.equal(await leftoverTestContainers(fixture.model.name), []);
});

test.run();
