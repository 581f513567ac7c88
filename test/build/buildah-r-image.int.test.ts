// The image path for an R model, for real: buildah builds it on an R base image (made offline with
// debootstrap, only for this test), pushes it to a loopback registry, podman runs it and test
// calls answer; install.R runs in the dependency layer, which a code-only change reuses. An R
// model without build.baseImage is refused with what to declare.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildOutcome } from '../../src/build/builder.ts';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { testImage } from '../../src/build/podman-test-run.ts';
import { containersAvailable, ensureRBaseImage, leftoverTestContainers, removeBuiltImages, R_BASE_IMAGE, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { buildKey, modelSpec, repo, type Repo } from './fixture.ts';

const available = containersAvailable('buildah R image tests');
const run = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
let r: Repo | null = null;
const logs: string[] = [];

test.before(async () => {
  if (!available) return;
  await ensureRBaseImage();
  registry = await startRegistry();
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  r?.remove();
  await registry?.stop();
});

function ok(outcome: BuildOutcome): asserts outcome is Extract<BuildOutcome, { ok: true }> {
  logs.push(outcome.logPath);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.message}\n${outcome.errorTail}`);
}

const PREDICT_V1 = 'predict <- function(args) list(sum = args$a + args$b, mark = readLines(file.path(Sys.getenv("R_LIBS_USER"), "mark.txt")))\n';
const PREDICT_V2 = `# v2\n${PREDICT_V1}`;

run('an R model: build on an R base image, run with podman, answer; a code-only change reuses the install.R layer', async () => {
  const nonce = randomBytes(6).toString('hex');
  const name = `radder-${nonce}`;
  r = repo();
  r.write('m/predict.R', PREDICT_V1);
  r.write('m/install.R', `cat("install.R ran ${nonce}\\n")\nwriteLines("${nonce}", file.path(Sys.getenv("R_LIBS_USER"), "mark.txt"))\n`);
  const commit = () => {
    r!.git('add', '-A');
    r!.git('-c', 'user.name=Slipway Test', '-c', 'user.email=test@slipway.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'r model');
  };
  commit();
  const model = { ...modelSpec(name, 'm/predict.R', { baseImage: R_BASE_IMAGE }), runtime: 'r' as const, examples: [{ input: { a: 3, b: 5 }, output: { sum: 8, mark: nonce } }] };
  const key = () => {
    const k = buildKey(r!.entries('m/install.R', 'm/predict.R'), { file: 'm/predict.R', runtime: 'r' });
    return { key: k.key, inputs: { ...k.inputs, baseImage: R_BASE_IMAGE } };
  };
  const builder = createBuildahBuilder({ stateDir: r.stateDir, registry: `${registry!.address}/slipway`, pull: 'never' });

  const first = await builder.build({ root: r.root, model, key: key(), number: 1 });
  ok(first);
  const log1 = readFileSync(first.logPath, 'utf8');
  assert.match(log1, /STEP \d+\/\d+: FROM localhost\/base\/r:4\.2-bookworm/);
  assert.match(log1, new RegExp(`install.R ran ${nonce}`));
  const tested = await testImage(model, first.artifact);
  assert.ok(tested.ok, tested.ok ? '' : `${tested.message}\n${tested.logs}`);
  if (!tested.ok) return;
  assert.equal(tested.results.map((result) => [result.got, result.pass]), [[{ sum: 8, mark: nonce }, true]]);
  assert.equal(await leftoverTestContainers(name), [], 'the test container is removed');

  r.write('m/predict.R', PREDICT_V2);
  commit();
  const second = await builder.build({ root: r.root, model, key: key(), number: 2 });
  ok(second);
  const log2 = readFileSync(second.logPath, 'utf8');
  assert.not.match(log2, /install\.R ran/, 'install.R did not run again: its layer came from the cache');
  assert.match(log2, /--> Using cache/);
  const retested = await testImage(model, second.artifact);
  assert.ok(retested.ok && retested.results[0]!.pass, JSON.stringify(retested));
});

run('an R model without build.baseImage is refused, saying what to declare', async () => {
  const name = `rnobase-${randomBytes(4).toString('hex')}`;
  const local = repo();
  try {
    local.write('m/predict.R', PREDICT_V1);
    local.git('add', '-A');
    local.git('-c', 'user.name=T', '-c', 'user.email=t@t.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'm');
    const model = { ...modelSpec(name, 'm/predict.R'), runtime: 'r' as const };
    const builder = createBuildahBuilder({ stateDir: local.stateDir, registry: `${registry!.address}/slipway`, pull: 'never' });
    const outcome = await builder.build({ root: local.root, model, key: buildKey(local.entries('m/predict.R'), { file: 'm/predict.R', runtime: 'r' }), number: 1 });
    assert.is(outcome.ok, false);
    if (outcome.ok) return;
    assert.match(outcome.message, /an R model image needs build\.baseImage/);
  } finally {
    local.remove();
  }
});

test.run();
