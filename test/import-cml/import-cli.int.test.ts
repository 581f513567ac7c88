// `slipway import cml` as a user runs it, in a real git repository holding the CML fixture project:
// printed or written, refusing to overwrite, paths relative to where models.yaml goes, problems at
// file:line:column, and what it writes loads through the real loader (src/spec/load.ts).
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { loadSpec } from '../../src/spec/load.ts';
import { formatIssues } from '../../src/spec/format.ts';
import type { Spec } from '../../src/spec/types.ts';
import { slipway } from '../support/cli.ts';
import { cmlProjectFiles } from '../support/cml-project.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';

function project(): GitFixture {
  const fx = gitFixture();
  for (const [file, content] of Object.entries(cmlProjectFiles())) fx.write(file, content);
  fx.commitAll('a CML project');
  return fx;
}

async function load(fx: GitFixture, file: string): Promise<Spec> {
  const loaded = await loadSpec(path.join(fx.root, file), { root: fx.root, env: {} });
  if (!loaded.ok) assert.unreachable(`${file} should load:\n${formatIssues(loaded.errors)}`);
  return (loaded as { spec: Spec }).spec;
}

test('without --write it prints models.yaml and lists what it left out on stderr; nothing is written', () => {
  const fx = project();
  try {
    const run = slipway(fx.root, ['import', 'cml']);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, /^# Made by `slipway import cml` from \.project-metadata\.yaml \(CML Applied ML Prototype/);
    const doc = parse(run.stdout);
    assert.equal(doc.models.map((m: { name: string }) => m.name), ['churn-model-api-endpoint', 'price-estimator']);
    assert.match(run.stderr, /tasks\[0\] create_job "Train models": Slipway serves models and does not run jobs/);
    assert.match(run.stderr, /tasks\[8\] start_application "Churn UI"/);
    assert.match(run.stderr, /WAREHOUSE_TOKEN: required by the AMP and without a default/);
    assert.match(run.stderr, /EXPORT_BUCKET: no default and not required: left out/);
    assert.match(run.stderr, /CHURN_ACCESS_KEY \(access_key_environment_variable of churn-model-api-endpoint\)/);
    assert.not.ok(fs.existsSync(path.join(fx.root, 'models.yaml')));
  } finally {
    fx.remove();
  }
});

test('--write writes a models.yaml that loads through the real loader, and refuses to overwrite it without --force', async () => {
  const fx = project();
  try {
    const run = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml']);
    assert.is(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, 'wrote models.yaml: 2 models (churn-model-api-endpoint, price-estimator)');
    assert.match(run.stdout, 'models.yaml is valid');
    const spec = await load(fx, 'models.yaml');
    assert.is(spec.project, 'churn-and-pricing-demo');
    const [churn, price] = spec.models;
    assert.equal([churn.file, churn.function, churn.build.context], ['models/churn/predict.py', 'predict', '.']);
    assert.is(churn.description, 'Churn Model API Endpoint: Predicts churn from tenure and monthly charges');
    assert.equal(churn.serving.resources, { cpu: '0.5', memory: '512Mi', gpu: 0 });
    assert.is(churn.serving.replicas, 1);
    assert.is(churn.serving.auth, false);
    assert.equal(churn.examples, [{ input: { tenure: 2, monthly: 80 }, output: { churn: true, score: 0.87 } }, { input: { tenure: 40, monthly: 20 } }]);
    assert.is(churn.build.script, 'cdsw-build.sh');
    assert.equal(price.serving.env, {
      THRESHOLD: { value: '0.5' },
      DEV_MODE: { value: 'False' },
      WAREHOUSE_TOKEN: { fromEnv: 'WAREHOUSE_TOKEN' },
      CURRENCY: { value: 'EUR' },
      PRICE_PER_SQFT: { value: '2.5' },
    });
    assert.equal(price.serving.resources, { cpu: '1', memory: '1Gi', gpu: 0 });
    assert.is(slipway(fx.root, ['validate']).status, 0);

    fs.writeFileSync(path.join(fx.root, 'models.yaml'), 'mine\n');
    const again = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml']);
    assert.is(again.status, 1);
    assert.match(again.stderr, 'slipway: models.yaml already exists; pass --force to replace it');
    assert.is(fs.readFileSync(path.join(fx.root, 'models.yaml'), 'utf8'), 'mine\n');
    const forced = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml', '--force']);
    assert.is(forced.status, 0, forced.stderr);
    assert.match(fs.readFileSync(path.join(fx.root, 'models.yaml'), 'utf8'), /^# Made by/);
  } finally {
    fx.remove();
  }
});

test('from a subfolder, --write elsewhere: paths are relative to the written file, and it still loads', async () => {
  const fx = project();
  try {
    fs.mkdirSync(path.join(fx.root, 'app'), { recursive: true });
    const run = slipway(path.join(fx.root, 'app'), ['import', 'cml', '--write', '../deploy/models.yaml']);
    assert.is(run.status, 1, 'the folder does not exist yet');
    assert.match(run.stderr, /cannot write \.\.\/deploy\/models\.yaml/);
    fs.mkdirSync(path.join(fx.root, 'deploy'));
    const written = slipway(path.join(fx.root, 'app'), ['import', 'cml', '--write', '../deploy/models.yaml']);
    assert.is(written.status, 0, written.stderr);
    const text = fs.readFileSync(path.join(fx.root, 'deploy/models.yaml'), 'utf8');
    assert.match(text, /from \.\.\/\.project-metadata\.yaml/);
    assert.equal(parse(text).defaults, { build: { context: '..' } });
    const spec = await load(fx, 'deploy/models.yaml');
    assert.equal([spec.models[0].file, spec.models[0].build.context], ['models/churn/predict.py', '.']);
  } finally {
    fx.remove();
  }
});

test('bad input: every problem at file:line:column, exit 1, nothing written', () => {
  const fx = project();
  try {
    fx.write('bad.yaml', [
      'name: Broken',
      'tasks:',
      '  - type: create_model',
      '    name: Scorer',
      '    default_resources:',
      '      memory: lots',
      '  - type: build_model',
      '    name: Scorer',
      '    target_function_name: score',
      '',
    ].join('\n'));
    const run = slipway(fx.root, ['import', 'cml', '--from', 'bad.yaml', '--write', 'models.yaml']);
    assert.is(run.status, 1);
    assert.match(run.stderr, 'bad.yaml:6:15 tasks[0].default_resources.memory: memory must be a number of GB');
    assert.match(run.stderr, 'bad.yaml:7:5 tasks[1]: build_model needs target_file_path');
    assert.match(run.stderr, 'slipway: bad.yaml: 2 problems; nothing was written');
    assert.not.match(run.stderr, /\n\s+at /);
    assert.not.ok(fs.existsSync(path.join(fx.root, 'models.yaml')));
    const missing = slipway(fx.root, ['import', 'cml', '--from', 'nowhere.yaml']);
    assert.is(missing.status, 1);
    assert.match(missing.stderr, 'slipway: cannot read nowhere.yaml: no such file');
  } finally {
    fx.remove();
  }
});

test('a JSON list of APIv2 requests becomes a models.yaml that loads', async () => {
  const fx = project();
  try {
    fx.write('requests.json', JSON.stringify([
      { project_id: 'abc', name: 'Price Estimator', disable_authentication: true },
      { model_id: 'Price Estimator', file_path: 'models/pricing/price.py', function_name: 'estimate', kernel: 'python3' },
      { model_id: 'Price Estimator', cpu: 1, memory: 2, replicas: 2, environment: { CURRENCY: 'EUR', PRICE_PER_SQFT: '2.5', DEV_MODE: 'no' } },
    ], null, 2));
    const run = slipway(fx.root, ['import', 'cml', '--from', 'requests.json', '--write', 'models.yaml']);
    assert.is(run.status, 0, run.stderr);
    assert.match(fs.readFileSync(path.join(fx.root, 'models.yaml'), 'utf8'), /from requests\.json \(CML APIv2 model requests\)/);
    const spec = await load(fx, 'models.yaml');
    assert.equal(spec.models.map((m) => [m.name, m.file, m.serving.replicas, m.serving.resources.memory, m.serving.auth]), [
      ['price-estimator', 'models/pricing/price.py', 2, '2Gi', false],
    ]);
  } finally {
    fx.remove();
  }
});

test('--base-image: every model builds on the CML engine image; a name that is not an image is refused, nothing written', async () => {
  const fx = project();
  try {
    const run = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml', '--base-image', 'docker.repository.cloudera.com/cdsw/engine:16']);
    assert.is(run.status, 0, run.stdout + run.stderr);
    const written = fs.readFileSync(path.join(fx.root, 'models.yaml'), 'utf8');
    assert.match(written, /# Images are built on docker\.repository\.cloudera\.com\/cdsw\/engine:16 \(defaults\.build\.baseImage/);
    const spec = await load(fx, 'models.yaml');
    assert.equal(spec.models.map((m) => m.build.baseImage), ['docker.repository.cloudera.com/cdsw/engine:16', 'docker.repository.cloudera.com/cdsw/engine:16']);
    fs.rmSync(path.join(fx.root, 'models.yaml'));

    const bad = slipway(fx.root, ['import', 'cml', '--write', 'models.yaml', '--base-image', 'engine:16\nRUN curl evil']);
    assert.is(bad.status, 1);
    assert.match(bad.stderr, /^slipway: --base-image: base image "engine:16\nRUN curl evil" is not an image name/);
    assert.not.ok(fs.existsSync(path.join(fx.root, 'models.yaml')));
  } finally {
    fx.remove();
  }
});

test.run();
