// Every invalid fixture, with every message and position pinned: a change in wording or position
// shows up here, on purpose.
import fs, { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';

const root = fileURLToPath(new URL('../fixtures/spec', import.meta.url));
const invalid = path.join(root, 'invalid');

async function issues(name: string): Promise<string[]> {
  const loaded = await loadSpec(path.join(invalid, name), {
    root,
    displayPath: `invalid/${name}`,
    forApply: true,
    env: { SLIPWAY_TEST_SET: 'set' },
  });
  assert.is(loaded.ok, false, `${name} should not load`);
  return loaded.ok ? [] : loaded.errors.map(formatIssue);
}

const expected: Record<string, string[]> = {
  'absolute-path.yaml': [
    'invalid/absolute-path.yaml:5:11 models[0].file: "/etc/passwd" is an absolute path; write it relative to the folder of models.yaml',
  ],
  'bad-enum.yaml': [
    'invalid/bad-enum.yaml:1:10 version: 2 is not supported (allowed: 1)',
    'invalid/bad-enum.yaml:4:12 defaults.runtime: "python" is not allowed, did you mean "python3"? (allowed: python3, r)',
    'invalid/bad-enum.yaml:9:12 models[0].state: "paused" is not allowed (allowed: running, stopped)',
  ],
  'bad-targets.yaml': [
    'invalid/bad-targets.yaml:6:5 targets.laptop.namespace: "namespace" only applies to kubernetes targets; remove it or set backend: kubernetes',
    'invalid/bad-targets.yaml:8:5 targets.cluster: a kubernetes target needs "registry": the image repository prefix models are pushed to and pulled from, e.g. registry.example.com/ml',
    'invalid/bad-targets.yaml:9:16 targets.cluster.namespace: "Models" is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. "models" (a DNS-1123 label)',
    'invalid/bad-targets.yaml:14:17 targets.leaky.registryCredentials.username: expected {fromEnv: VARIABLE}, got the string "alice": secrets are read from the environment, never written in models.yaml',
    'invalid/bad-targets.yaml:16:3 targets.Bad_Name: "Bad_Name" is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. "bad-name" (a DNS-1123 label)',
    'invalid/bad-targets.yaml:17:14 targets.Bad_Name.backend: "nomad" is not allowed (allowed: local, kubernetes)',
    'invalid/bad-targets.yaml:22:14 models[0].rollout: "blue-green" is not allowed (allowed: rolling, recreate)',
  ],
  'bad-follow.yaml': [
    'invalid/bad-follow.yaml:6:45 targets.fast.follow.interval: 1s is shorter than 5s; poll the remote at most every 5 seconds',
    'invalid/bad-follow.yaml:10:15 targets.dotted.follow.branch: "origin/a..b" is not a remote branch; write it as REMOTE/BRANCH, such as origin/main',
    'invalid/bad-follow.yaml:13:22 targets.nobranch.follow.branch: "main" is not a remote branch; write it as REMOTE/BRANCH, such as origin/main',
    'invalid/bad-follow.yaml:17:5 targets.cluster.follow: "follow" only applies to local targets: a cluster is driven by CI (the Action on push), not by a daemon following a branch',
  ],
  'bad-examples.yaml': [
    'invalid/bad-examples.yaml:7:14 models[0].example: missing required key "input"',
    'invalid/bad-examples.yaml:10:20 models[0].examples[0].tolerance: -1 is below the minimum 0',
    'invalid/bad-examples.yaml:11:9 models[0].examples[1]: expected a mapping (key: value), got the number 7',
  ],
  'bad-name.yaml': [
    'invalid/bad-name.yaml:2:10 project: "Demo Project" is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. "demo-project" (a DNS-1123 label)',
    'invalid/bad-name.yaml:4:3 env["1BAD"]: "1BAD" is not a valid environment variable name: use letters, digits and "_", not starting with a digit',
    'invalid/bad-name.yaml:6:11 models[0].name: "My_Model" is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. "my-model" (a DNS-1123 label)',
    'invalid/bad-name.yaml:9:11 models[1].name: "a-name-that-goes-on-and-on-for-far-longer-than-sixty-thre..." is 69 characters long (at most 63 allowed)',
    'invalid/bad-name.yaml:12:5 models[2]: missing required key "function" (required here: name, file, function)',
  ],
  'diff-policy.yaml': [
    'invalid/diff-policy.yaml:7:24 models[0].diff.maxChanged: 5 is above the maximum 1',
    'invalid/diff-policy.yaml:7:27 models[0].diff.tolerence: unknown key "tolerence", did you mean "tolerance"? (allowed: maxChanged, tolerance)',
    'invalid/diff-policy.yaml:8:26 models[0].latencyBudget.p95: expected a latency with its unit, e.g. "50ms" or "0.2s", got the number 50',
    'invalid/diff-policy.yaml:8:43 models[0].latencyBudget.maxSlowdown: 0 is too small (must be more than 0)',
    'invalid/diff-policy.yaml:12:26 models[1].latencyBudget.p95: "50 ms" is not a latency: use milliseconds or seconds with the unit, e.g. "50ms" or "0.2s"',
  ],
  'dotdot-escape.yaml': [
    `invalid/dotdot-escape.yaml:5:11 models[0].file: "../../outside.py" points outside the repository (to ${path.resolve(root, '../outside.py')}); keep model files inside ${root}`,
    `invalid/dotdot-escape.yaml:11:17 models[1].build.include[0]: "../../../../package.json" points outside the repository (to ${path.resolve(root, '../../../package.json')}); keep model files inside ${root}`,
  ],
  'duplicate-key.yaml': [
    'invalid/duplicate-key.yaml:6:5 YAML error: key "name" appears twice in the same mapping (keys must be unique)\n' +
      '    4 |   - name: ok\n    5 |     file: ok/ok.py\n  > 6 |     name: again\n      |     ^',
  ],
  'duplicate-names.yaml': [
    'invalid/duplicate-names.yaml:10:11 models[2].name: duplicate model name "scorer" (models[0] at line 4 has it too); names must be unique',
  ],
  'empty.yaml': [
    'invalid/empty.yaml:1:1 the file is empty; it needs at least version and models',
  ],
  'everything-at-once.yaml': [
    'invalid/everything-at-once.yaml:7:15 models[0].replicas: 10 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
    'invalid/everything-at-once.yaml:8:5 models[0].colour: unknown key "colour" (allowed: name, description, file, function, runtime, example, examples, schema, validateInput, capture, diff, latencyBudget, replay, gate, replicas, resources, env, build, auth, concurrency, timeoutSeconds, busyTimeoutSeconds, state, sandbox, rollout)',
    'invalid/everything-at-once.yaml:9:11 models[1].name: duplicate model name "first" (models[0] at line 4 has it too); names must be unique',
    'invalid/everything-at-once.yaml:10:11 models[1].file: "ok/missing.py" does not exist (looked for invalid/ok/missing.py in the repository)',
    'invalid/everything-at-once.yaml:14:15 models[2].function: function "predit" is not defined at the top level of invalid/ok/ok.py, did you mean "predict"? (functions there: helper, predict)',
    'invalid/everything-at-once.yaml:16:11 models[3].file: invalid/broken/broken.py:1:12: Python syntax error: \'(\' was never closed (fix the file so function "predict" can be found)',
    'invalid/everything-at-once.yaml:18:12 models[3].state: "paused" is not allowed (allowed: running, stopped)',
  ],
  'from-env.yaml': [
    'invalid/from-env.yaml:4:14 env.API_TOKEN: fromEnv variable SLIPWAY_TEST_API_TOKEN is not set (export it before apply)',
    'invalid/from-env.yaml:11:9 models[0].env.DB_PASSWORD: fromEnv variable SLIPWAY_TEST_DB_PASSWORD is not set (export it before apply)',
  ],
  'function-missing-python.yaml': [
    'invalid/function-missing-python.yaml:6:15 models[0].function: function "predcit" is not defined at the top level of invalid/ok/ok.py, did you mean "predict"? (functions there: helper, predict)',
    'invalid/function-missing-python.yaml:9:15 models[1].function: function "serve" is not defined at the top level of invalid/ok/ok.py (functions there: helper, predict)',
  ],
  'function-missing-r.yaml': [
    'invalid/function-missing-r.yaml:8:15 models[0].function: function "predict" is not defined at the top level of invalid/r/model.R (functions there: other_fn)',
  ],
  'missing-file.yaml': [
    'invalid/missing-file.yaml:5:11 models[0].file: "ok/nope.py" does not exist (looked for invalid/ok/nope.py in the repository)',
    'invalid/missing-file.yaml:8:11 models[1].file: "ok" is a folder; expected a file',
    'invalid/missing-file.yaml:14:16 models[2].build.context: "nowhere" does not exist (looked for invalid/nowhere in the repository)',
    'invalid/missing-file.yaml:15:21 models[2].build.include[1]: "missing-dir" does not exist (looked for invalid/missing-dir in the repository)',
    'invalid/missing-file.yaml:16:21 models[2].build.requirements: "ok/requirements.txt" does not exist (looked for invalid/ok/requirements.txt in the repository)',
    'invalid/missing-file.yaml:17:15 models[2].build.script: "ok" is a folder; expected a file',
    'invalid/missing-file.yaml:22:16 models[3].build.context: build.context "broken" does not hold the model file invalid/ok/ok.py, so the build would miss it (use a folder that contains it, or add the file to build.include)',
    'invalid/missing-file.yaml:24:11 models[4].file: "ok/ok.py/inner.py" does not exist (looked for invalid/ok/ok.py/inner.py in the repository)',
  ],
  'not-a-mapping.yaml': [
    'invalid/not-a-mapping.yaml:1:1 expected a mapping (key: value), got a list',
  ],
  'python-syntax-error.yaml': [
    'invalid/python-syntax-error.yaml:5:11 models[0].file: invalid/broken/broken.py:1:12: Python syntax error: \'(\' was never closed (fix the file so function "predict" can be found)',
  ],
  'raised-limit.yaml': [
    'invalid/raised-limit.yaml:5:20 limits.maxRequestBytes: 0 is below the minimum 1',
    'invalid/raised-limit.yaml:10:15 models[0].replicas: 200 is above the maximum 199',
  ],
  'cml-memory.yaml': [
    'invalid/cml-memory.yaml:4:23 defaults.resources.memory: memory 0.5 has no unit, so it means 0.5 bytes; CML gives memory in GB: did you mean 0.5Gi? (write a Kubernetes quantity such as 512Mi or 2Gi)',
    'invalid/cml-memory.yaml:11:15 models[0].resources.memory: memory 2 has no unit, so it means 2 bytes; CML gives memory in GB: did you mean 2Gi? (write a Kubernetes quantity such as 512Mi or 2Gi)',
    'invalid/cml-memory.yaml:15:33 models[1].resources.memory: memory 4 has no unit, so it means 4 bytes; CML gives memory in GB: did you mean 4Gi? (write a Kubernetes quantity such as 512Mi or 2Gi)',
  ],
  'replicas-above-limit.yaml': [
    'invalid/replicas-above-limit.yaml:4:13 defaults.replicas: 10 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
    'invalid/replicas-above-limit.yaml:13:15 models[1].replicas: 12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
    'invalid/replicas-above-limit.yaml:17:15 models[2].replicas: 250 is above the maximum 199',
  ],
  'unknown-key.yaml': [
    'invalid/unknown-key.yaml:7:5 models[0].replica: unknown key "replica", did you mean "replicas"? (allowed: name, description, file, function, runtime, example, examples, schema, validateInput, capture, diff, latencyBudget, replay, gate, replicas, resources, env, build, auth, concurrency, timeoutSeconds, busyTimeoutSeconds, state, sandbox, rollout)',
    'invalid/unknown-key.yaml:8:5 models[0].fucntion: unknown key "fucntion", did you mean "function"? (allowed: name, description, file, function, runtime, example, examples, schema, validateInput, capture, diff, latencyBudget, replay, gate, replicas, resources, env, build, auth, concurrency, timeoutSeconds, busyTimeoutSeconds, state, sandbox, rollout)',
    'invalid/unknown-key.yaml:9:5 models[0].colour: unknown key "colour" (allowed: name, description, file, function, runtime, example, examples, schema, validateInput, capture, diff, latencyBudget, replay, gate, replicas, resources, env, build, auth, concurrency, timeoutSeconds, busyTimeoutSeconds, state, sandbox, rollout)',
  ],
  'wrong-type.yaml': [
    'invalid/wrong-type.yaml:4:14 env.THRESHOLD: expected a string or {fromEnv: NAME}, got the number 0.5 (quote it: "0.5")',
    'invalid/wrong-type.yaml:9:15 models[0].replicas: expected a whole number, got the string "three"',
    'invalid/wrong-type.yaml:10:11 models[0].auth: expected true or false, got the string "yes"',
    'invalid/wrong-type.yaml:11:5 models[0].timeoutSeconds: expected a number, got nothing',
    'invalid/wrong-type.yaml:12:22 models[0].resources.cpu: "2 cores" is not a CPU quantity: use cores (1, 0.5) or millicores (500m)',
    'invalid/wrong-type.yaml:12:39 models[0].resources.memory: "1Gb" is not a memory quantity: use bytes with an optional suffix (512Mi, 2Gi, 1G)',
    'invalid/wrong-type.yaml:12:49 models[0].resources.gpu: -1 is below the minimum 0',
    'invalid/wrong-type.yaml:14:16 models[0].env.SECRET.from: unknown key "from", did you mean "fromEnv"? (allowed: fromEnv, allowEmpty)',
    'invalid/wrong-type.yaml:15:12 models[0].build: expected a mapping (key: value), got a list',
    'invalid/wrong-type.yaml:16:5 models[1]: expected a mapping (key: value), got the string "just a string"',
  ],
  'yaml-syntax.yaml': [
    // One error at the bracket that is never closed, with the lines above it; nothing after it.
    'invalid/yaml-syntax.yaml:6:15 YAML syntax error: the "[" opened here is never closed (Flow sequence in block collection must be sufficiently indented and end with a ])\n' +
      '    4 |   - name: ok\n    5 |     file: ok/ok.py\n  > 6 |     function: [predict\n      |               ^',
  ],
};

for (const [name, lines] of Object.entries(expected)) {
  test(`invalid/${name}`, async () => {
    assert.equal(await issues(name), lines);
  });
}

test('every invalid fixture has its messages pinned here', () => {
  const files = fs.readdirSync(invalid).filter((f) => f.endsWith('.yaml')).sort();
  assert.equal(files, Object.keys(expected).sort());
});

test('issues carry file, 1-based line and column, and the data path as separate fields', async () => {
  const loaded = await loadSpec(path.join(invalid, 'replicas-above-limit.yaml'), { root, displayPath: 'models.yaml' });
  assert.is(loaded.ok, false);
  if (loaded.ok) return;
  assert.equal(loaded.errors[1], {
    file: 'models.yaml',
    line: 13,
    column: 15,
    path: 'models[1].replicas',
    message: '12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
  });
});

test('without forApply an unset fromEnv variable is not an error', async () => {
  const loaded = await loadSpec(path.join(invalid, 'from-env.yaml'), { root, env: {} });
  assert.ok(loaded.ok);
});

test('an empty fromEnv variable is an error at plan and apply, at its entry; allowEmpty opts out; a PR check may take it as unset', async () => {
  const file = path.join(invalid, 'from-env.yaml');
  const text = readFileSync(file, 'utf8');
  const names = [...text.matchAll(/fromEnv: (\w+)/g)].map((m) => m[1]);
  const empty = Object.fromEntries(names.map((name) => [name, '']));
  for (const forApply of [false, true]) {
    const loaded = await loadSpec(file, { root, env: empty, forApply, displayPath: 'models.yaml' });
    assert.is(loaded.ok, false);
    if (loaded.ok) continue;
    assert.equal(loaded.errors.map((e) => e.message), names.map((name) => `${name} is empty: the secret is missing in this run (CI passes a missing secret as ''); set it, or write allowEmpty: true if empty is meant`));
  }
  assert.ok((await loadSpec(file, { root, env: empty, emptySecrets: 'unset' })).ok);
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-allow-empty-'));
  try {
    writeFileSync(path.join(dir, 'm.py'), 'def f(x):\n    return x\n');
    writeFileSync(path.join(dir, 'models.yaml'), 'version: 1\nproject: p\nmodels:\n  - name: m\n    file: m.py\n    function: f\n    env:\n      OPTIONAL: {fromEnv: OPT, allowEmpty: true}\n');
    const loaded = await loadSpec(path.join(dir, 'models.yaml'), { root: dir, env: { OPT: '' }, forApply: true });
    assert.ok(loaded.ok, JSON.stringify(loaded));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the file is named relative to the working directory by default', async () => {
  const loaded = await loadSpec(path.join(invalid, 'absolute-path.yaml'), { root });
  assert.is(loaded.ok, false);
  if (!loaded.ok) assert.is(loaded.errors[0].file, path.relative(process.cwd(), path.join(invalid, 'absolute-path.yaml')));
});

test('a models file that does not exist is an issue, not a throw', async () => {
  const loaded = await loadSpec(path.join(invalid, 'no-such.yaml'), { root, displayPath: 'no-such.yaml' });
  assert.is(loaded.ok, false);
  if (loaded.ok) return;
  assert.equal(loaded.errors.map(formatIssue), [
    `no-such.yaml:1:1 cannot read the models file ${path.join(invalid, 'no-such.yaml')}: it does not exist (point at it with -f)`,
  ]);
});

test('a models file outside the root is refused', async () => {
  const loaded = await loadSpec(path.join(invalid, 'absolute-path.yaml'), { root: path.join(root, 'valid'), displayPath: 'm.yaml' });
  assert.is(loaded.ok, false);
  if (!loaded.ok) {
    assert.equal(loaded.errors.map(formatIssue), [`m.yaml:1:1 the models file must be inside the repository ${path.join(root, 'valid')}`]);
  }
});

test('checkFunctions: false skips the function check', async () => {
  const loaded = await loadSpec(path.join(invalid, 'function-missing-python.yaml'), { root, checkFunctions: false });
  assert.ok(loaded.ok);
});

test.run();
