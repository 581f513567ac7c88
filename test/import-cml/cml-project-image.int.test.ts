// The CML fixture project (test/fixtures/cml-project) through the image path, as issue 8 asks:
// `slipway import cml --write models.yaml`, the written file loaded by the real loader, keys
// computed from git, BOTH models built by buildah into a loopback registry with the project root at
// /home/cdsw and the root cdsw-build.sh run in the build, each image run by podman, and its examples
// called the CML way ({accessKey, request} on /model, and ?accessKey= in the URL) through the real
// gateway to the runtime in the container.
//
// The models import numpy, as CML projects do from the engine image. There is no package index
// here, so the models build on a "CML engine" base image made for this test only (Debian's
// python3-numpy preinstalled, see ensureCmlEngineImage), given to the import as --base-image (it
// writes defaults.build.baseImage): the project's `pip3 install -r requirements.txt` then finds
// numpy already there.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExamples, type TestResult } from '../../src/apply/test-calls.ts';
import { resolveEnv } from '../../src/backends/local/resolve-env.ts';
import { createBuildahBuilder, imageBuildPaths } from '../../src/build/buildah-builder.ts';
import { withImageReplica } from '../../src/build/podman-test-run.ts';
import { computeBuildKeys } from '../../src/source/build-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import { loadSpec } from '../../src/spec/load.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { slipway } from '../support/cli.ts';
import { cmlProjectFiles } from '../support/cml-project.ts';
import {
  BASE_IMAGE,
  CML_ENGINE_IMAGE,
  containersAvailable,
  ensureCmlEngineImage,
  leftoverTestContainers,
  removeBuiltImages,
  startRegistry,
  type LoopbackRegistry,
} from '../support/containers.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { type Answer, type Harness, startGateway, testRoute } from '../gateway/gateway-harness.ts';

const available = containersAvailable('CML project image test');
const run = available ? test : test.skip;

let registry: LoopbackRegistry | null = null;
let gateway: Harness | null = null;
const logs: string[] = [];
const fx = gitFixture();
const SECRET = 'wh-token-that-must-not-leak';

test.before(async () => {
  if (!available) return;
  await ensureCmlEngineImage();
  registry = await startRegistry();
  gateway = await startGateway();
});

test.after(async () => {
  if (registry !== null) await removeBuiltImages(registry.address, logs);
  fx.remove();
  await gateway?.close();
  await registry?.stop();
});

/** The imported models.yaml with the CML engine image as every model's base image. */
function importProject(): string {
  for (const [file, content] of Object.entries(cmlProjectFiles())) fx.write(file, content);
  // A comment unique to this run, so its build runs cdsw-build.sh rather than reusing the layer of
  // another run on this machine (builds share buildah's layer cache).
  fx.write('cdsw-build.sh', `${cmlProjectFiles()['cdsw-build.sh']}# run ${randomBytes(6).toString('hex')}\n`);
  fx.write('.gitignore', '.slipway/\n');
  fx.commitAll('cml project');
  const imported = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml', '--base-image', CML_ENGINE_IMAGE]);
  assert.is(imported.status, 0, imported.stdout + imported.stderr);
  const written = readFileSync(join(fx.root, 'models.yaml'), 'utf8');
  const defaults = `defaults:\n  build:\n    context: .\n    baseImage: ${CML_ENGINE_IMAGE}\n`;
  assert.ok(written.includes(defaults), `the import writes the CML layout defaults, on the engine image:\n${written}`);
  fx.commitAll('slipway import cml, on the CML engine image');
  return written;
}

/** What one model answered: its examples on the replica's /invoke, then the CML way. */
type Answers = { invoked: TestResult[]; envelope: Answer[]; inUrl: Answer };

/** Runs `image` with the model's resolved variables; its examples on /invoke, then on the gateway. */
async function serveAndCall(model: ModelSpec, image: string, env: Record<string, string>, accessKey: string) {
  return withImageReplica<Answers>(image, { model: model.name, env, callTimeoutMs: model.serving.timeoutSeconds * 1000 }, async (call, replica) => {
    const invoked: TestResult[] = await runExamples(model, call);
    gateway!.gateway.setRoute(testRoute(model.name, [{ id: `${model.name}-test`, origin: replica.origin }], { auth: false }));
    gateway!.accessKeys.set(accessKey, model.name);
    const envelope: Answer[] = [];
    for (const example of model.examples) envelope.push(await gateway!.call('/model', { accessKey, request: example.input }));
    const inUrl = await gateway!.call(`/model?accessKey=${accessKey}`, { request: model.examples[0]!.input });
    gateway!.gateway.removeRoute(model.name);
    return { invoked, envelope, inUrl };
  });
}

run('the imported CML project builds on the CML engine image and both models answer the CML way', async () => {
  importProject();
  const loaded = await loadSpec(join(fx.root, 'models.yaml'), { root: fx.root });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) return;
  const names = loaded.spec.models.map((model) => model.name);
  assert.equal(names, ['churn-model-api-endpoint', 'price-estimator']);
  const keys = await computeBuildKeys(await openRepo(fx.root), loaded.spec);
  assert.ok(keys.ok, JSON.stringify(keys));
  if (!keys.ok) return;
  const builder = createBuildahBuilder({ stateDir: join(fx.root, '.slipway'), registry: `${registry!.address}/slipway`, baseImage: BASE_IMAGE, pull: 'never' });

  const answers: Record<string, Answers> = {};
  for (const model of loaded.spec.models) {
    assert.is(model.build.baseImage, CML_ENGINE_IMAGE, `${model.name} builds on the engine image`);
    const built = await builder.build({ root: fx.root, model, key: keys.keys[model.name]!, number: 1 });
    logs.push(built.logPath);
    assert.ok(built.ok, built.ok ? '' : `${model.name}: ${built.message}\n${built.errorTail}`);
    if (!built.ok) return;

    const log = readFileSync(built.logPath, 'utf8');
    assert.match(log, `buildah bud on ${CML_ENGINE_IMAGE}`);
    // The root script installs requirements.txt, as in CML; Slipway adds no pip step of its own.
    assert.match(log, 'build script cdsw-build.sh installs requirements.txt itself (pip install -r), as in CML: no separate pip step');
    const containerfile = readFileSync(imageBuildPaths(join(fx.root, '.slipway'), model.name, 1).containerfile, 'utf8');
    assert.match(containerfile, 'RUN ["bash", "cdsw-build.sh"]');
    assert.not.match(containerfile, '"pip", "install"');
    assert.not.match(log, SECRET);

    const env = resolveEnv(model.serving.env, { WAREHOUSE_TOKEN: SECRET });
    assert.ok(env.ok, JSON.stringify(env));
    if (!env.ok) return;
    const served = await serveAndCall(model, built.artifact, env.env, `${model.name}-access-key`);
    assert.ok(served.ok, served.ok ? '' : `${model.name}: ${served.message}\n${served.logs}`);
    if (!served.ok) return;
    answers[model.name] = served.value;
    assert.equal(await leftoverTestContainers(model.name), []);
  }

  // The first build ran cdsw-build.sh inside the image build: pip (in the script) found the
  // engine's numpy, once. The second model has the same script and requirements: it reuses that layer.
  const [churnLog, priceLog] = logs.map((path) => readFileSync(path, 'utf8'));
  assert.match(churnLog!, /STEP \d+\/\d+: RUN \["bash", "cdsw-build\.sh"\]/);
  assert.is(churnLog!.match(/Requirement already satisfied: numpy/g)?.length, 1, churnLog);
  assert.not.match(priceLog!, /Requirement already satisfied: numpy/);
  assert.match(priceLog!, /reused \d+ cached layer step\(s\):.*cdsw-build\.sh/);

  const churn = answers['churn-model-api-endpoint']!;
  assert.equal(churn.invoked.map((result) => result.pass), [true, true], JSON.stringify(churn.invoked));
  assert.equal(churn.envelope.map((answer) => answer.status), [200, 200], JSON.stringify(churn.envelope));
  // As the fixture declares; the second example declares no output, so it must match /invoke's answer.
  assert.equal(churn.envelope[0]!.body.response, { churn: true, score: 0.87 });
  assert.equal(churn.envelope[1]!.body.response, churn.invoked[1]!.got);
  assert.is(churn.envelope[1]!.body.response.churn, false);
  assert.is(churn.inUrl.status, 200);
  assert.equal(churn.inUrl.body.response, { churn: true, score: 0.87 });

  const price = answers['price-estimator']!;
  assert.equal(price.invoked.map((result) => result.pass), [true], JSON.stringify(price.invoked));
  assert.equal(price.envelope.map((answer) => [answer.status, answer.body.response]), [[200, { price: 250, currency: 'EUR', dev_mode: 'False' }]]);
  assert.equal(price.inUrl.body.response, { price: 250, currency: 'EUR', dev_mode: 'False' });
});

test.run();
