// The image path for real: buildah builds the add-numbers model from a git repository, pushes it to
// a registry on loopback, podman runs it and a test call answers. A code-only change reuses the
// dependency layer (read from buildah's cache output and from the image layers), and the same key
// is not built at all.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildOutcome } from '../../src/build/builder.ts';
import { createBuildahBuilder, imageBuildPaths } from '../../src/build/buildah-builder.ts';
import { inspectImage, type RemoteImage } from '../../src/build/image-inspect.ts';
import { testImage } from '../../src/build/podman-test-run.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, leftoverTestContainers, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { addNumbersRepo, PREDICT_V2, type ImageModel } from './image-fixture.ts';

const available = containersAvailable('buildah image tests');
const run = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
let fixture: ImageModel | null = null;
const logs: string[] = [];

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  fixture?.repo.remove();
  await registry?.stop();
});

function ok(outcome: BuildOutcome): asserts outcome is Extract<BuildOutcome, { ok: true }> {
  logs.push(outcome.logPath);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.message}\n${outcome.errorTail}`);
}

async function remote(reference: string): Promise<RemoteImage> {
  const found = await inspectImage(reference, { tlsVerify: false });
  if (found.found !== true) throw new Error(`${reference} is not in the registry: ${JSON.stringify(found)}`);
  return found.image;
}

/** Whether the log shows `instruction` taken from the layer cache (`--> Using cache` right after its STEP line). */
function cachedStep(log: string, instruction: string): boolean {
  const lines = log.split('\n').map((line) => line.replace(/^\S+ \[buildah\] /, ''));
  const index = lines.findIndex((line) => /^STEP \d+\/\d+: /.test(line) && line.endsWith(`: ${instruction}`));
  assert.ok(index >= 0, `no step ${instruction} in the log`);
  return /^--> Using cache [0-9a-f]+/.test(lines[index + 1] ?? '');
}

const DEPENDENCY_STEPS = ['COPY deps/ /home/cdsw/', 'RUN ["python3", "-m", "pip", "install", "--no-input", "-r", "requirements.txt"]', 'RUN ["bash", "build.sh"]'];

run('build, push, run with podman, answer; a code-only change reuses the dependency layer; the same key is not built', async () => {
  const nonce = randomBytes(6).toString('hex');
  // A name of its own, so test runs at the same time on this machine do not see each other's containers.
  const name = `adder-${nonce}`;
  fixture = addNumbersRepo(name, nonce);
  const { repo, model } = fixture;
  repo.git('remote', 'add', 'origin', 'https://ci-bot:s3cret@example.com/team/models.git');
  const commit = fixture.commit('add numbers');
  const builder = createBuildahBuilder({ stateDir: repo.stateDir, registry: `${registry!.address}/slipway`, baseImage: BASE_IMAGE, pull: 'never' });

  const streamed: string[] = [];
  const key1 = fixture.key();
  const first = await builder.build({ root: repo.root, model, key: key1, number: 1, log: (line) => streamed.push(line) });
  ok(first);
  const reference1 = `${registry!.address}/slipway/${name}:${key1.key}`;
  assert.is(first.artifact, reference1);
  assert.is(first.logPath, imageBuildPaths(repo.stateDir, name, 1).log);
  const log1 = readFileSync(first.logPath, 'utf8');
  assert.is(log1.trimEnd().split('\n').length, streamed.length, 'every log line was streamed');
  assert.match(log1, /\[buildah\] STEP \d+\/\d+: FROM localhost\/base\/python:3\.11-bookworm/);
  assert.match(log1, /Successfully installed adder-1\.0/, 'pip installed the local wheel');
  assert.match(log1, new RegExp(`dependency step ran ${nonce}`), 'the build script ran');
  for (const step of DEPENDENCY_STEPS) assert.not.ok(cachedStep(log1, step), `${step} was built, not cached, the first time`);
  assert.ok(existsSync(imageBuildPaths(repo.stateDir, name, 1).containerfile), 'the Containerfile is kept beside the log');

  const image1 = await remote(reference1);
  assert.is(first.digest, image1.digest, 'the digest returned is the one in the registry');
  assert.is(image1.labels['org.opencontainers.image.revision'], commit);
  assert.is(image1.labels['org.opencontainers.image.source'], 'https://example.com/team/models.git', 'no credentials in the label');
  assert.ok(!Number.isNaN(Date.parse(image1.labels['org.opencontainers.image.created']!)));
  assert.is(image1.labels['dev.slipway.model'], name);
  assert.is(image1.labels['dev.slipway.build-number'], '1');
  assert.is(image1.labels['dev.slipway.build-key'], key1.key);

  const tested = await testImage({ ...model, examples: [...model.examples, { input: { a: 1, b: 1 }, output: 3 }] }, reference1);
  assert.ok(tested.ok, tested.ok ? '' : `${tested.message}\n${tested.logs}`);
  if (!tested.ok) return;
  assert.equal(tested.results.map((result) => [result.got, result.pass]), [[8, true], [2, false]]);
  assert.match(tested.results[1]!.detail ?? '', /2/);
  assert.equal(await leftoverTestContainers(name), [], 'the test container is removed');

  repo.write('m/predict.py', PREDICT_V2);
  fixture.commit('return the marker too');
  const key2 = fixture.key();
  assert.is.not(key2.key, key1.key);
  const second = await builder.build({ root: repo.root, model, key: key2, number: 2 });
  ok(second);
  const log2 = readFileSync(second.logPath, 'utf8');
  for (const step of DEPENDENCY_STEPS) assert.ok(cachedStep(log2, step), `${step} came from the cache`);
  assert.not.ok(cachedStep(log2, 'COPY app/ /home/cdsw/'), 'the code layer was built');
  assert.not.match(log2, /dependency step ran/, 'the build script did not run again');
  const image2 = await remote(second.artifact);
  assert.is(image2.layers.length, image1.layers.length);
  assert.equal(image2.layers.slice(0, -1), image1.layers.slice(0, -1), 'every layer below the code is shared');
  assert.is.not(image2.layers.at(-1), image1.layers.at(-1), 'the code layer differs');
  const retested = await testImage({ ...model, examples: [{ input: { a: 3, b: 5 }, output: [8, nonce] }] }, second.artifact);
  assert.ok(retested.ok && retested.results[0]!.pass, JSON.stringify(retested));

  const third = await builder.build({ root: repo.root, model, key: key2, number: 3 });
  ok(third);
  assert.is(third.digest, second.digest, 'the existing image is the build');
  assert.is(third.artifact, second.artifact);
  const log3 = readFileSync(third.logPath, 'utf8');
  assert.match(log3, /skipped: the registry already has .*adder-[0-9a-f]{12}:[0-9a-f]{64} \(sha256:[0-9a-f]{64}\); no build needed/);
  assert.not.match(log3, /\[buildah\]|\[push\]/, 'buildah was not run');
  assert.not.ok(existsSync(imageBuildPaths(repo.stateDir, name, 3).containerfile), 'no Containerfile was generated');
  assert.is((await remote(second.artifact)).digest, second.digest, 'the registry image is unchanged');
  assert.equal(await leftoverTestContainers(name), []);
});

test.run();
