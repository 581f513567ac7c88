// The registry layer cache, for real: an apply's build pushes its layers to a cache repository of a
// loopback registry (`--cache-to`); on a machine without those layers (a fresh CI runner, made
// here by removing every image the first build created) the next build pulls the dependency
// layers from it instead of running pip and the build script again. A candidate's build reads the
// cache and writes nothing to it, so a pull request cannot plant a layer production would take.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildOutcome } from '../../src/build/builder.ts';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { BASE_IMAGE, containersAvailable, createdImages, ensureBaseImage, removeBuiltImages, run as runCommand, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { addNumbersRepo, PREDICT_V2, type ImageModel } from './image-fixture.ts';

const available = containersAvailable('buildah registry cache tests');
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

function ok(outcome: BuildOutcome): string {
  logs.push(outcome.logPath);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.message}\n${outcome.errorTail}`);
  return readFileSync(outcome.logPath, 'utf8');
}

async function cacheTags(repository: string): Promise<string[]> {
  const listed = await runCommand('skopeo', ['list-tags', '--tls-verify=false', `docker://${repository}`]);
  assert.is(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as { Tags: string[] }).Tags.sort();
}

run('a fresh machine pulls the dependency layers from the registry cache; a candidate reads it and writes nothing', async () => {
  const nonce = randomBytes(6).toString('hex');
  const name = `cached-${nonce}`;
  fixture = addNumbersRepo(name, nonce);
  const address = registry!.address;
  const cache = `${address}/cache/${name}`;
  const settings = { stateDir: fixture.repo.stateDir, baseImage: BASE_IMAGE, pull: 'never' as const, tlsVerify: false };
  const apply = createBuildahBuilder({ ...settings, registry: address, cache: { from: cache, to: cache } });

  const first = ok(await apply.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 1 }));
  assert.match(first, `dependency step ran ${nonce}`);
  assert.match(first, `--> Pushing cache ${cache}:`);
  const pushed = await cacheTags(cache);
  assert.ok(pushed.length >= 3, `cache tags: ${pushed.join(', ')}`);

  // A fresh runner: none of the layers the first build made are on this machine any more.
  await removeBuiltImages(address, [logs[0]]);
  const present = (await runCommand('podman', ['images', '--all', '--quiet', '--no-trunc'])).stdout;
  assert.not.ok(createdImages(first).some((id) => present.includes(id)), 'the first build left layers behind');

  fixture.repo.write('m/predict.py', PREDICT_V2);
  const second = ok(await apply.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 2 }));
  assert.match(second, `--> Cache pulled from remote ${cache}:`);
  assert.not.match(second, `dependency step ran ${nonce}`, 'the build script ran again');

  // A candidate (pushing to the candidates repository) reads the cache and leaves it as it was.
  const before = await cacheTags(cache);
  const candidate = createBuildahBuilder({ ...settings, registry: `${address}/candidates`, cache: { from: cache, to: null } });
  fixture.repo.write('m/predict.py', `${PREDICT_V2}\n# candidate\n`);
  const third = ok(await candidate.build({ root: fixture.repo.root, model: fixture.model, key: fixture.key(), number: 3 }));
  assert.not.match(third, 'Pushing cache');
  assert.not.match(third, `dependency step ran ${nonce}`);
  assert.equal(await cacheTags(cache), before);
});

test.run();
