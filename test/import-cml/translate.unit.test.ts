// The CML translators and the renderer on plain values: AMP tasks and APIv2 requests in, model
// drafts, notes and problems out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { translateAmp } from '../../src/import-cml/amp-metadata.ts';
import { translateApiV2 } from '../../src/import-cml/apiv2-requests.ts';
import { dnsLabel, memoryQuantity, uniqueName } from '../../src/import-cml/draft.ts';
import type { Translated, Translation } from '../../src/import-cml/draft.ts';
import { readCmlSource } from '../../src/import-cml/read-source.ts';
import { renderModelsYaml } from '../../src/import-cml/render-models-yaml.ts';

const facts = { folderName: 'My_Project', hasBuildScript: true };

function ok(result: Translated): Translation {
  if (!result.ok) assert.unreachable(`expected a translation, got ${JSON.stringify(result.problems)}`);
  return (result as { translation: Translation }).translation;
}

const churnAmp = {
  name: 'ML Churn Prototype',
  environment_variables: {
    DATA_LOCATION: { default: 'data/churn', description: 'where data goes' },
    HIVE_PASSWORD: { description: 'asked at launch', required: true },
    OPTIONAL: { description: 'neither' },
  },
  tasks: [
    { type: 'create_job', name: 'Install dependencies', entity_label: 'install_deps', script: 'code/0_bootstrap.py' },
    { type: 'run_job', entity_label: 'install_deps' },
    {
      type: 'create_model',
      name: 'Churn Model API Endpoint',
      entity_label: 'telco_churn_model',
      description: 'Predicts churn',
      access_key_environment_variable: 'SHTM_ACCESS_KEY',
      default_resources: { cpu: 1, memory: 2 },
      default_replication_policy: { type: 'fixed', num_replicas: 3 },
    },
    {
      type: 'build_model',
      name: 'Build Telco Churn Model Endpoint',
      entity_label: 'telco_churn_model',
      target_file_path: './code/5_model_serve.py',
      target_function_name: 'explain',
      kernel: 'python3',
      examples: [{ request: { tenure: 29 }, response: '' }, { request: { tenure: 1 }, response: { churn: true } }],
      environment_variables: { MODE: 'build', LEVEL: 'low' },
    },
    { type: 'deploy_model', name: 'telco_churn_model', entity_label: 'telco_churn_model', cpu: 0.5, memory: 1.5, gpu: 0, environment_variables: { LEVEL: 'high' } },
    { type: 'start_application', name: 'Application to Serve Churn UI', script: 'code/6_application.py' },
  ],
};

test('an AMP: names made DNS-safe, examples, GB and cpu, replicas, env from build and deploy, joined by entity_label', () => {
  const t = ok(translateAmp(churnAmp, facts));
  assert.is(t.project, 'ml-churn-prototype');
  assert.equal(t.env, { DATA_LOCATION: { value: 'data/churn' }, HIVE_PASSWORD: { fromEnv: 'HIVE_PASSWORD' } });
  assert.equal(t.models, [{
    name: 'churn-model-api-endpoint',
    description: 'Churn Model API Endpoint: Predicts churn',
    file: 'code/5_model_serve.py',
    function: 'explain',
    runtime: 'python3',
    examples: [{ input: { tenure: 29 } }, { input: { tenure: 1 }, output: { churn: true } }],
    env: { MODE: { value: 'build' }, LEVEL: { value: 'high' } },
    cpu: 0.5,
    memory: '1536Mi',
    replicas: 3,
  }]);
});

test('an AMP: jobs, sessions, applications, variables and the access key variable are listed with the reason', () => {
  const t = ok(translateAmp(churnAmp, facts));
  const subjects = t.notes.map((n) => n.subject);
  assert.equal(subjects, [
    'HIVE_PASSWORD',
    'OPTIONAL',
    'tasks[0] create_job "Install dependencies"',
    'tasks[1] run_job "install_deps"',
    'tasks[5] start_application "Application to Serve Churn UI"',
    'SHTM_ACCESS_KEY (access_key_environment_variable of churn-model-api-endpoint)',
  ]);
  const reason = (subject: string) => t.notes.find((n) => n.subject === subject)!.reason;
  assert.match(reason('HIVE_PASSWORD'), /fromEnv.*before `slipway apply`/);
  assert.match(reason('OPTIONAL'), /left out/);
  assert.match(reason('tasks[0] create_job "Install dependencies"'), /does not run jobs.*`slipway python -- code\/0_bootstrap.py`/);
  assert.match(reason('tasks[5] start_application "Application to Serve Churn UI"'), /not applications/);
  assert.match(t.notes.at(-1)!.reason, /`slipway status` prints it/);
});

test('an AMP: a model without build_model, a scala kernel and a second model of the same name', () => {
  const t = ok(translateAmp({
    name: 'x',
    tasks: [
      { type: 'create_model', name: 'Only Created', entity_label: 'a' },
      { type: 'build_model', entity_label: 'b', name: 'Scorer', target_file_path: 's.scala', target_function_name: 'f', kernel: 'scala' },
      { type: 'build_model', entity_label: 'c', name: 'Scorer', target_file_path: 'one.py', target_function_name: 'f' },
      { type: 'build_model', entity_label: 'd', name: 'scorer!', target_file_path: 'two.R', target_function_name: 'f', kernel: 'r' },
      { type: 'build_model', entity_label: 'e', name: 'By extension', target_file_path: 'three.R', target_function_name: 'f' },
    ],
  }, facts));
  assert.equal(t.models.map((m) => [m.name, m.runtime]), [['scorer', 'python3'], ['scorer-2', 'r'], ['by-extension', 'r']]);
  assert.equal(t.notes.map((n) => n.subject), ['model "Only Created" (tasks[0])', 'model "Scorer" (tasks[1])']);
  assert.match(t.notes[0].reason, /no build_model task/);
  assert.match(t.notes[1].reason, /kernel "scala"/);
});

test('an AMP: problems point at the field, and nothing to import is a problem', () => {
  const bad = translateAmp({
    tasks: [
      { type: 'create_model', name: 'm', default_resources: { memory: 'lots', cpu: 0 }, default_replication_policy: { num_replicas: 0 } },
      { type: 'build_model', name: 'm', target_function_name: 'f', examples: [{ response: 1 }], environment_variables: { '1BAD': 'x' } },
      { name: 'typeless' },
    ],
  }, facts);
  assert.is(bad.ok, false);
  const problems = (bad as { problems: Array<{ path: unknown[]; message: string }> }).problems;
  assert.equal(problems.map((p) => p.path), [
    ['tasks', 2],
    ['tasks', 1],
    ['tasks', 1, 'examples', 0],
    ['tasks', 0, 'default_resources', 'cpu'],
    ['tasks', 0, 'default_resources', 'memory'],
    ['tasks', 0, 'default_replication_policy', 'num_replicas'],
    ['tasks', 1, 'environment_variables', '1BAD'],
  ]);
  assert.match(problems[1].message, /needs target_file_path/);
  assert.match(problems[4].message, /number of GB .*"lots"/);
  const empty = translateAmp({ name: 'x', tasks: [{ type: 'create_job', name: 'j' }] }, facts);
  assert.equal(empty, { ok: false, problems: [{ path: ['tasks'], message: 'no model to import: no build_model task names a target_file_path and target_function_name' }] });
  assert.is(translateAmp(['not', 'a', 'mapping'], facts).ok, false);
});

test('APIv2: a CreateModelRequest, its build (model_root_dir, build_script_path) and deployment, joined by model_id', () => {
  const t = ok(translateApiV2([
    { project_id: 'p1', name: 'Fraud Scorer', description: 'scores', disable_authentication: true },
    { model_id: 'Fraud Scorer', file_path: 'predict.py', function_name: 'score', kernel: 'python3', model_root_dir: 'models/fraud', build_script_path: 'models/fraud/build.sh', runtime_identifier: 'docker.repository.cloudera.com/cloudera/cdsw/ml-runtime-workbench-python3.10-standard:2023.08.2-b8' },
    { model_id: 'Fraud Scorer', build_id: 'b1', cpu: 2, memory: 4, nvidia_gpus: 1, replicas: 12, environment: '{"MODE": "strict", "RETRIES": 3}', deployment_secrets: { DB_PASSWORD: 'never-written' } },
  ], facts));
  assert.is(t.project, 'my-project');
  assert.equal(t.models, [{
    name: 'fraud-scorer',
    description: 'Fraud Scorer: scores',
    file: 'models/fraud/predict.py',
    function: 'score',
    runtime: 'python3',
    examples: [],
    env: { MODE: { value: 'strict' }, RETRIES: { value: '3' }, DB_PASSWORD: { fromEnv: 'DB_PASSWORD' } },
    context: 'models/fraud',
    script: 'models/fraud/build.sh',
    cpu: 2,
    memory: '4Gi',
    gpu: 1,
    replicas: 12,
    auth: false,
  }]);
  assert.equal(t.notes.map((n) => n.subject), ['runtime_identifier of fraud-scorer', 'deployment_secrets of fraud-scorer']);
  assert.not.match(JSON.stringify(t), /never-written/);
});

test('APIv2: nested auto_build_config / auto_deployment_config, and a lone build joining the only model', () => {
  const nested = ok(translateApiV2([
    { name: 'A', auto_build_config: { file_path: 'a.py', function_name: 'f' }, auto_deployment_config: { memory: 0.25, environment: { X: '1' } } },
  ], facts));
  assert.equal([nested.models[0].file, nested.models[0].memory, nested.models[0].env], ['a.py', '256Mi', { X: { value: '1' } }]);
  const lone = ok(translateApiV2([{ name: 'B' }, { file_path: 'b.R', function_name: 'g', kernel: 'r', cpu: '500m' }], facts));
  assert.equal([lone.models[0].runtime, lone.models[0].cpu], ['r', '500m']);
});

test('APIv2: unknown fields, ambiguous requests and a build without a function are problems at their item', () => {
  const result = translateApiV2([
    { name: 'A', file_path: 'a.py', function_name: 'f', memroy: 2 },
    { name: 'B', file_path: 'b.py' },
    { file_path: 'c.py', function_name: 'h' },
    'text',
  ], facts);
  assert.equal(result, {
    ok: false,
    problems: [
      { path: [0, 'memroy'], message: 'memroy is not a field of CML\'s CreateModelRequest, CreateModelBuildRequest or CreateModelDeploymentRequest' },
      { path: [3], message: 'each item must be a mapping: a CreateModelRequest, CreateModelBuildRequest or CreateModelDeploymentRequest' },
      { path: [2], message: 'several models are listed: set model_id to the name of the model this request is for' },
    ],
  });
  const noFunction = translateApiV2([{ name: 'B', file_path: 'b.py' }], facts);
  assert.equal(noFunction, { ok: false, problems: [{ path: [0], message: 'function_name is missing: the function to serve' }] });
});

test('names, quantities', () => {
  assert.is(dnsLabel('Churn Model API Endpoint', 'm'), 'churn-model-api-endpoint');
  assert.is(dnsLabel('  ___ ', 'model'), 'model');
  assert.is(dnsLabel('É'.repeat(70), 'm'), 'e'.repeat(63));
  const taken = new Set<string>();
  assert.equal([uniqueName('a', taken), uniqueName('a', taken), uniqueName('a', taken)], ['a', 'a-2', 'a-3']);
  assert.equal([2, 0.5, '3', '512Mi'].map((v) => memoryQuantity(v)), [
    { ok: true, value: '2Gi' }, { ok: true, value: '512Mi' }, { ok: true, value: '3Gi' }, { ok: true, value: '512Mi' },
  ]);
  assert.is(memoryQuantity(0).ok, false);
});

test('reading YAML: environment values keep their text, and problems get file:line:column', () => {
  const text = [
    'name: Demo',
    'environment_variables:',
    '  DEV_MODE:',
    '    default: False',
    '  RATE: {default: 1.10}',
    'tasks:',
    '  - type: build_model',
    '    name: m',
    '    target_file_path: m.py',
    '    target_function_name: f',
    '    environment_variables:',
    '      FLAG: yes',
    '    examples:',
    '      - request: {a: 1}',
    '        response: true',
    '',
  ].join('\n');
  const read = readCmlSource(text, '.project-metadata.yaml', facts);
  if (!read.ok) assert.unreachable(read.errors.join('\n'));
  const t = (read as { translation: Translation }).translation;
  assert.equal(t.env, { DEV_MODE: { value: 'False' }, RATE: { value: '1.10' } });
  assert.equal(t.models[0].env, { FLAG: { value: 'yes' } });
  assert.equal(t.models[0].examples, [{ input: { a: 1 }, output: true }]);

  const broken = readCmlSource('tasks:\n  - type: build_model\n    name: m\n    target_function_name: f\n    examples: 3\n', 'meta.yaml', facts);
  assert.equal(broken, {
    ok: false,
    errors: [
      'meta.yaml:2:5 tasks[0]: build_model needs target_file_path: the file holding the model function, relative to the project root',
      'meta.yaml:5:15 tasks[0].examples: examples must be a list of {request, response}',
    ],
  });
  const syntax = readCmlSource('tasks: [\n', 'meta.yaml', facts);
  assert.is(syntax.ok, false);
  assert.match((syntax as { errors: string[] }).errors[0], /^meta\.yaml:\d+:\d+ YAML syntax error/);
  const json = readCmlSource('[{"name": "J", "file_path": "j.py", "function_name": "f", "memory": 2}]', 'requests.json', facts);
  assert.is(json.ok && json.translation.models[0].memory, '2Gi');
});

test('rendering: a header naming the source and every note, paths seen from models.yaml, a document that parses', () => {
  const t = ok(translateAmp(churnAmp, facts));
  const text = renderModelsYaml(t, { source: '../.project-metadata.yaml', projectDir: '..', hasBuildScript: true });
  assert.match(text, /^# Made by `slipway import cml` from \.\.\/\.project-metadata\.yaml \(CML Applied ML Prototype/);
  assert.match(text, /# cdsw-build\.sh at the project root is each build's script/);
  for (const note of t.notes) assert.ok(text.includes(`# - ${note.subject}:`), note.subject);
  assert.not.match(text.split('\n').find((l) => l.length > 100) ?? '', /./);
  const doc = parse(text);
  assert.equal(doc.defaults, { build: { context: '..' } });
  assert.equal(doc.env, { DATA_LOCATION: 'data/churn', HIVE_PASSWORD: { fromEnv: 'HIVE_PASSWORD' } });
  assert.equal(doc.models[0], {
    name: 'churn-model-api-endpoint',
    description: 'Churn Model API Endpoint: Predicts churn',
    file: '../code/5_model_serve.py',
    function: 'explain',
    replicas: 3,
    resources: { cpu: 0.5, memory: '1536Mi' },
    env: { MODE: 'build', LEVEL: 'high' },
    examples: [{ input: { tenure: 29 } }, { input: { tenure: 1 }, output: { churn: true } }],
  });
  const many = renderModelsYaml({ ...t, models: [{ ...t.models[0], replicas: 12, auth: false }] }, { source: 'x', projectDir: '.', hasBuildScript: false });
  assert.equal(parse(many).limits, { maxReplicas: 12 });
  assert.is(parse(many).models[0].auth, false);
  assert.match(many, /no cdsw-build\.sh/);
});

test.run();
