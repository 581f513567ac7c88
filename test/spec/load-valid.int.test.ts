// The valid fixtures load, with every default applied and every path made relative to the root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssues } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';
import type { LoadOptions } from '../../src/spec/load.ts';
import type { ModelSpec, Serving, Spec } from '../../src/spec/types.ts';

const root = fileURLToPath(new URL('../fixtures/spec', import.meta.url));
const valid = path.join(root, 'valid');

async function load(file: string, opts: Partial<LoadOptions> = {}): Promise<Spec> {
  const loaded = await loadSpec(path.join(valid, file), { root, env: {}, ...opts });
  if (!loaded.ok) assert.unreachable(`${file} should load:\n${formatIssues(loaded.errors)}`);
  return (loaded as { spec: Spec }).spec;
}

const byName = (spec: Spec, name: string): ModelSpec => {
  const model = spec.models.find((m) => m.name === name);
  if (model === undefined) assert.unreachable(`no model ${name}`);
  return model as ModelSpec;
};

const defaultServing: Serving = {
  replicas: 1,
  resources: { cpu: null, memory: null, gpu: 0 },
  env: {},
  concurrency: 1,
  timeoutSeconds: 30,
  busyTimeoutSeconds: 30,
  auth: true,
  maxRequestBytes: 5242880,
};

test('every valid fixture loads, for apply too when its secrets are set', async () => {
  const files = [...fs.readdirSync(valid).filter((f) => f.endsWith('.yaml')), 'nested/models.yaml'];
  assert.ok(files.length >= 3);
  for (const file of files) {
    await load(file);
    await load(file, { forApply: true, env: { DEMO_API_TOKEN: 't', IRIS_KEY: 'k' } });
  }
});

test('minimal: every default applied', async () => {
  const spec = await load('minimal.yaml');
  assert.equal(spec, {
    root,
    file: 'valid/minimal.yaml',
    version: 1,
    project: 'demo',
    limits: { maxReplicas: 9, maxRequestBytes: 5242880 },
    models: [
      {
        name: 'add-numbers',
        description: '',
        file: 'valid/add-numbers/add_numbers.py',
        function: 'add',
        runtime: 'python3',
        examples: [],
        build: { context: 'valid/add-numbers', include: [], requirements: null, script: null, baseImage: null },
        serving: defaultServing,
        state: 'running',
        position: { line: 5, column: 5 },
      },
    ],
  });
});

test('full: a model setting everything keeps its own values; example and examples join', async () => {
  const spec = await load('full.yaml', { env: { DEMO_API_TOKEN: 'token' }, secretDigest: (name, value) => `hmac(${name}=${value.length})` });
  assert.equal(spec.limits, { maxReplicas: 20, maxRequestBytes: 1048576 });
  assert.equal(byName(spec, 'iris'), {
    name: 'iris',
    description: 'Petal width from petal length',
    file: 'valid/iris/predict.py',
    function: 'predict',
    runtime: 'python3',
    examples: [
      { input: { petal_length: 5.4 }, output: 1.88, tolerance: 0.01 },
      { input: { petal_length: 1.4 }, output: 0.22 },
      { input: { petal_length: 4.0 } },
    ],
    // Requirements and cdsw-build.sh found in the context, the folder of `file`.
    build: {
      context: 'valid/iris',
      include: [],
      requirements: 'valid/iris/requirements.txt',
      script: 'valid/iris/cdsw-build.sh',
      baseImage: null,
    },
    serving: {
      replicas: 12,
      // cpu written as a number becomes a quantity string; memory falls back to defaults alone.
      resources: { cpu: '2', memory: '1Gi', gpu: 1 },
      env: {
        API_TOKEN: { fromEnv: 'DEMO_API_TOKEN', digest: 'hmac(DEMO_API_TOKEN=5)' },
        LOG_LEVEL: { value: 'info' },
        MODEL_KEY: { fromEnv: 'IRIS_KEY' },
        REGION: { value: 'us' },
      },
      concurrency: 4,
      timeoutSeconds: 0.5,
      busyTimeoutSeconds: 0,
      auth: true,
      maxRequestBytes: 1048576,
      // Inferred from the examples (src/contract/); the third has no output.
      contract: { input: { type: 'object', properties: { petal_length: { type: 'number' } }, required: ['petal_length'] }, output: { type: 'number' } },
    },
    state: 'stopped',
    position: { line: 19, column: 5 },
  });
});

test('full: models inherit defaults; explicit build paths are resolved from the models file folder', async () => {
  const spec = await load('full.yaml');
  const scorer = byName(spec, 'scorer');
  assert.equal(scorer.build, {
    context: 'valid',
    include: ['valid/shared', 'valid/shared/common.py'],
    requirements: 'valid/iris/requirements.txt',
    script: 'valid/scorer/build.sh',
    baseImage: 'localhost/base/python:3.11-bookworm',
  });
  assert.equal(scorer.serving, {
    replicas: 2,
    resources: { cpu: '500m', memory: '1Gi', gpu: 0 },
    env: { API_TOKEN: { fromEnv: 'DEMO_API_TOKEN' }, LOG_LEVEL: { value: 'info' }, REGION: { value: 'eu' } },
    concurrency: 2,
    timeoutSeconds: 10,
    busyTimeoutSeconds: 5,
    auth: false,
    maxRequestBytes: 1048576,
  });
  assert.is(scorer.state, 'running');
  // build.sh is the script when there is no cdsw-build.sh; no requirements.txt means null.
  assert.equal(byName(spec, 'scorer-default-build').build, {
    context: 'valid/scorer',
    include: [],
    requirements: null,
    script: 'valid/scorer/build.sh',
    baseImage: null,
  });
  const r = byName(spec, 'r-model');
  assert.is(r.runtime, 'r');
  assert.is(r.function, 'predict_r');
  assert.equal(
    spec.models.map((m) => m.position.line),
    [19, 41, 50, 53],
  );
});

test('env precedence: global < project < model; secrets digested only when set', async () => {
  const spec = await load('full.yaml', {
    globalEnv: { LOG_LEVEL: 'debug', REGION: 'global', GLOBAL_ONLY: 'g' },
    env: { IRIS_KEY: 'k' },
    secretDigest: (name) => `digest(${name})`,
  });
  assert.equal(byName(spec, 'iris').serving.env, {
    API_TOKEN: { fromEnv: 'DEMO_API_TOKEN' },
    GLOBAL_ONLY: { value: 'g' },
    LOG_LEVEL: { value: 'info' },
    MODEL_KEY: { fromEnv: 'IRIS_KEY', digest: 'digest(IRIS_KEY)' },
    REGION: { value: 'us' },
  });
  assert.equal(byName(spec, 'r-model').serving.env, {
    API_TOKEN: { fromEnv: 'DEMO_API_TOKEN' },
    GLOBAL_ONLY: { value: 'g' },
    LOG_LEVEL: { value: 'info' },
    REGION: { value: 'eu' },
  });
  assert.not.ok(JSON.stringify(spec).includes('"k"'), 'a secret value never appears in the spec');
});

test('paths in a models file in a subfolder are relative to that folder', async () => {
  const spec = await load('nested/models.yaml');
  assert.is(spec.file, 'valid/nested/models.yaml');
  assert.equal(spec.models[0].file, 'valid/nested/app/main.py');
  assert.equal(spec.models[0].build.context, 'valid/nested/app');
  assert.equal(spec.models[0].build.include, ['valid/shared']);
});

test('a relative models path is resolved from the working directory', async () => {
  const relative = path.relative(process.cwd(), path.join(valid, 'minimal.yaml'));
  const loaded = await loadSpec(relative, { root });
  assert.ok(loaded.ok);
});


test('project defaults to the repository folder name, made a DNS-1123 label', async () => {
  const { defaultProjectName } = await import('../../src/spec/project-name.ts');
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'My_Models.v2-'));
  try {
    fs.mkdirSync(path.join(dir, 'm'));
    fs.writeFileSync(path.join(dir, 'm', 'p.py'), 'def predict(args):\n    return 1\n');
    fs.writeFileSync(path.join(dir, 'models.yaml'), 'version: 1\nmodels:\n  - name: one\n    file: m/p.py\n    function: predict\n');
    const loaded = await loadSpec(path.join(dir, 'models.yaml'), { root: dir, env: {} });
    if (!loaded.ok) assert.unreachable(formatIssues(loaded.errors));
    const project = (loaded as { spec: Spec }).spec.project;
    assert.is(project, defaultProjectName(dir));
    assert.match(project, /^my-models-v2-[a-z0-9-]+$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.is(defaultProjectName('/x/___'), 'project');
  assert.is(defaultProjectName(`/x/${'a'.repeat(70)}`), 'a'.repeat(63));
});

test('diff and latencyBudget policies load, latency in milliseconds', async () => {
  const spec = await load('diff-policy.yaml');
  assert.equal([byName(spec, 'scorer').diff, byName(spec, 'scorer').latencyBudget], [{ maxChanged: 0.05 }, { p95Ms: 50, maxSlowdown: 1.2 }]);
  assert.equal([byName(spec, 'slow').diff, byName(spec, 'slow').latencyBudget], [{ tolerance: 0.001 }, { p95Ms: 250 }]);
});

test.run();
