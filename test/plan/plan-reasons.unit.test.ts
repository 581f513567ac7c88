// Reasons, checked through plan() so the wiring is covered too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import type { AppliedDeployment, Change, LiveState } from '../../src/plan/types.ts';
import type { KeyInputs } from '../../src/source/types.ts';
import type { EnvValue, Serving } from '../../src/spec/types.ts';
import { applied, build, inputs, keys, liveOf, model, observed, observedModel, serving, spec } from './factories.ts';

const base = inputs('iris', {
  'models/iris/predict.py': 'p1',
  'models/iris/old.py': 'o1',
  'models/iris/requirements.txt': 'r1',
  'shared/util.py': 'u1',
});

/** The change for iris deployed from `base`, declared with `next` inputs (and a context). */
function rebuildReasons(next: KeyInputs, context?: string): string[] {
  const seen = observedModel('iris', { builds: [build(1, base)], deployment: applied(10, 1) });
  const change = plan(spec(model('iris', { context })), keys(['iris', next]), observed(seen)).changes[0];
  assert.is(change.action, 'rebuild');
  return change.reasons;
}

function servingChange(before: Partial<Serving>, after: Partial<Serving>): Change {
  const seen = observedModel('iris', { builds: [build(1, base)], deployment: applied(10, 1, serving(before)) });
  return plan(spec(model('iris', { serving: after })), keys(['iris', base]), observed(seen)).changes[0];
}

function repairReasons(deployment: AppliedDeployment, live: Partial<LiveState>): string[] {
  const seen = observedModel('iris', { builds: [build(1, base)], deployment, live: liveOf(deployment, live) });
  const declared = model('iris', { state: deployment.state, serving: deployment.serving });
  const change = plan(spec(declared), keys(['iris', base]), observed(seen)).changes[0];
  assert.is(change.action, 'repair');
  assert.equal(change.build?.number, 1);
  return change.reasons;
}

test('files added, modified and removed, relative to the build context when inside it', () => {
  const next = inputs('iris', {
    'models/iris/predict.py': 'p2',
    'models/iris/data/x.csv': 'x1',
    'models/iris/requirements.txt': 'r2',
    'shared/util.py': 'u2',
  });
  assert.equal(rebuildReasons(next), [
    'data/x.csv added',
    'old.py removed',
    'predict.py modified',
    'requirements.txt modified',
    'shared/util.py modified',
  ]);
});

test('a context at the repository root shows repository paths', () => {
  const next = inputs('iris', { ...Object.fromEntries(base.files.map((f) => [f.path, f.blob])), 'models/iris/predict.py': 'p2' });
  assert.equal(rebuildReasons(next, '.'), ['models/iris/predict.py modified']);
});

test('a requirements file outside the file list is still compared', () => {
  const onlyCode = { 'models/iris/predict.py': 'p1' };
  const seen = observedModel('iris', {
    builds: [build(1, inputs('iris', onlyCode, { requirements: { path: 'reqs/iris.txt', blob: 'a' } }))],
    deployment: applied(10, 1),
  });
  const next = inputs('iris', onlyCode, { requirements: { path: 'reqs/iris.txt', blob: 'b' } });
  const change = plan(spec(model('iris')), keys(['iris', next]), observed(seen)).changes[0];
  assert.equal(change.reasons, ['reqs/iris.txt modified']);
});

test('entry point, runtime, base image and Slipway runtime changes', () => {
  const files = Object.fromEntries(base.files.map((f) => [f.path, f.blob]));
  const next = inputs('iris', files, {
    file: 'models/iris/score.py',
    function: 'score',
    runtime: 'r',
    baseImage: 'localhost/base/python:3.12',
    runtimeVersion: '2',
  });
  assert.equal(rebuildReasons(next), [
    'file models/iris/predict.py → models/iris/score.py',
    'function predict → score',
    'runtime python3 → r',
    'base image default → localhost/base/python:3.12',
    'Slipway runtime 1 → 2',
  ]);
});

test('the interpreter: a new version, another executable, other packages, first recorded', () => {
  const files = Object.fromEntries(base.files.map((f) => [f.path, f.blob]));
  const python = { executable: '/root/.pyenv/versions/3.11.7/bin/python3', version: '3.11.7', packages: 'aaaa' };
  const reasonsFrom = (before: KeyInputs['python'], after: KeyInputs['python']) => {
    const seen = observedModel('iris', { builds: [build(1, { ...base, python: before })], deployment: applied(10, 1) });
    return plan(spec(model('iris')), keys(['iris', inputs('iris', files, { python: after })]), observed(seen)).changes[0].reasons;
  };
  assert.equal(reasonsFrom(python, { executable: '/usr/bin/python3', version: '3.11.2', packages: 'bbbb' }), ['python 3.11.7 → 3.11.2']);
  assert.equal(reasonsFrom(python, { ...python, executable: '/opt/python3' }), [`python ${python.executable} → /opt/python3`]);
  assert.equal(reasonsFrom(python, { ...python, packages: 'cccc' }), [`python 3.11.7 packages changed (${python.executable})`]);
  assert.equal(reasonsFrom(undefined, python), [`python 3.11.7 (${python.executable}) now part of the build key`]);
});

test('a new default base image (a Slipway release) is a reason for models that use the default', () => {
  const files = Object.fromEntries(base.files.map((f) => [f.path, f.blob]));
  const before = { ...base, defaultBaseImage: 'docker.io/library/python:3.11-slim' };
  const seen = observedModel('iris', { builds: [build(1, before)], deployment: applied(10, 1) });
  const next = inputs('iris', files, { defaultBaseImage: 'docker.io/library/python:3.12-slim' });
  const change = plan(spec(model('iris')), keys(['iris', next]), observed(seen)).changes[0];
  assert.equal(change.reasons, ['base image docker.io/library/python:3.11-slim → docker.io/library/python:3.12-slim']);
});

test('many changed files: the first ten are named, the rest counted', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 13; i += 1) files[`models/iris/f${String(i).padStart(2, '0')}.py`] = 'new';
  for (const entry of base.files) files[entry.path] = entry.blob;
  const reasons = rebuildReasons(inputs('iris', files));
  assert.is(reasons.length, 11);
  assert.is(reasons[0], 'f00.py added');
  assert.is(reasons[10], '3 more files changed');
});

test('a key change with identical inputs still gives a reason', () => {
  const seen = observedModel('iris', {
    builds: [{ ...build(1, base), key: 'an-older-key-format' }],
    deployment: applied(10, 1),
  });
  const change = plan(spec(model('iris')), keys(['iris', base]), observed(seen)).changes[0];
  assert.equal([change.action, change.reasons], ['rebuild', ['build key changed']]);
});

test('each serving field, named with old and new value', () => {
  const change = servingChange(
    {},
    {
      replicas: 3,
      resources: { cpu: '2', memory: null, gpu: 1 },
      concurrency: 4,
      timeoutSeconds: 60,
      busyTimeoutSeconds: 5,
      auth: false,
      maxRequestBytes: 1024,
    },
  );
  assert.is(change.action, 'reconfigure');
  assert.equal(change.reasons, [
    'replicas 1 → 3',
    'cpu 1 → 2',
    'memory 1Gi → none',
    'gpu 0 → 1',
    'concurrency 1 → 4',
    'timeoutSeconds 30 → 60',
    'busyTimeoutSeconds 30 → 5',
    'auth true → false',
    'maxRequestBytes 5242880 → 1024',
  ]);
});

test('env added, changed and removed, never with values', () => {
  const before: Record<string, EnvValue> = { THRESHOLD: { value: 'VALUE-ONE-0.5' }, OLD: { value: 'VALUE-OLD' } };
  const after: Record<string, EnvValue> = { THRESHOLD: { value: 'VALUE-TWO-0.7' }, NEW: { value: 'VALUE-NEW' } };
  const change = servingChange({ env: before }, { env: after });
  assert.equal(change.reasons, ['env NEW added', 'env OLD removed', 'env THRESHOLD changed']);
  assert.not.match(JSON.stringify(change.reasons), /VALUE-/);
});

test('env secrets: a changed digest is a masked change; an unknown digest compares names only', () => {
  const secret = (digest?: string): EnvValue => ({ fromEnv: 'API_TOKEN', digest });
  assert.equal(servingChange({ env: { T: secret('d1') } }, { env: { T: secret('d2') } }).reasons, ['env T changed (secret)']);
  assert.is(servingChange({ env: { T: secret('d1') } }, { env: { T: secret('d1') } }).action, 'noop');
  assert.is(servingChange({ env: { T: secret() } }, { env: { T: secret('d2') } }).action, 'noop');
  assert.is(servingChange({ env: { T: secret('d1') } }, { env: { T: secret() } }).action, 'noop');
  assert.equal(
    servingChange({ env: { T: secret() } }, { env: { T: { fromEnv: 'OTHER_TOKEN' } } }).reasons,
    ['env T changed (now from OTHER_TOKEN, was API_TOKEN)'],
  );
});

test('env switching between a literal and a secret is a change that names no value', () => {
  const literal: EnvValue = { value: 'VALUE-LITERAL' };
  const secret: EnvValue = { fromEnv: 'API_TOKEN', digest: 'd1' };
  assert.equal(servingChange({ env: { T: literal } }, { env: { T: secret } }).reasons, ['env T changed (now from API_TOKEN)']);
  assert.equal(
    servingChange({ env: { T: secret } }, { env: { T: literal } }).reasons,
    ['env T changed (no longer from the environment)'],
  );
});

test('repair: deployment missing', () => {
  assert.equal(repairReasons(applied(10, 1), { state: 'missing', replicas: 0, readyReplicas: 0 }), ['deployment missing']);
});

test('repair: stopped outside Slipway, and running when applied stopped', () => {
  assert.equal(repairReasons(applied(10, 1), { state: 'stopped', replicas: 0, readyReplicas: 0 }), ['stopped while declared running (slipway stop, or by hand)']);
  assert.equal(
    repairReasons(applied(10, 1, serving(), 'stopped'), { state: 'running', replicas: 1, readyReplicas: 1 }),
    ['running while declared stopped'],
  );
});

test('repair: replicas not ready', () => {
  assert.equal(repairReasons(applied(10, 1, serving({ replicas: 3 })), { readyReplicas: 1 }), ['1 of 3 replicas ready']);
});

test('repair: replicas changed by hand', () => {
  assert.equal(repairReasons(applied(10, 1, serving({ replicas: 3 })), { replicas: 5, readyReplicas: 5 }), [
    'replicas changed outside Slipway: 5, declared 3',
  ]);
});

test('repair: another deployment, or other serving settings, running', () => {
  assert.equal(repairReasons(applied(5, 1), { deploymentId: 4 }), ['running deployment #4, last applied #5']);
  assert.equal(repairReasons(applied(5, 1), { deploymentId: null, servingHash: 'f00' }), [
    'serving settings changed outside Slipway, last applied #5',
  ]);
});

test('repair is not reported when the backend cannot tell ids or hashes', () => {
  const deployment = applied(5, 1);
  const seen = observedModel('iris', {
    builds: [build(1, base)],
    deployment,
    live: liveOf(deployment, { deploymentId: null, servingHash: null }),
  });
  assert.is(plan(spec(model('iris')), keys(['iris', base]), observed(seen)).changes[0].action, 'noop');
});

test('mode, submodule and checkout changes are reasons; a build keyed before them says so once', () => {
  const keyed = (extra: Partial<KeyInputs>): KeyInputs => ({ ...base, modes: [], submodules: [], checkout: { config: '', attributes: [] }, ...extra });
  const reasonsOf = (before: KeyInputs, after: KeyInputs): string[] => {
    const seen = observedModel('iris', { builds: [build(1, before)], deployment: applied(10, 1) });
    return plan(spec(model('iris')), keys(['iris', after]), observed(seen)).changes[0]!.reasons;
  };
  const old = keyed({});
  assert.equal(reasonsOf(old, keyed({ modes: [{ path: 'models/iris/predict.py', mode: '100755' }] })), ['predict.py mode 100644 → 100755']);
  assert.equal(reasonsOf(keyed({ submodules: [{ path: 'models/iris/vendor', commit: 'a'.repeat(40) }] }), keyed({ submodules: [{ path: 'models/iris/vendor', commit: 'b'.repeat(40) }] })), ['submodule vendor aaaaaaa → bbbbbbb']);
  assert.equal(reasonsOf(old, keyed({ checkout: { config: 'core.autocrlf=true', attributes: [] } })), ['git eol settings "" → "core.autocrlf=true"']);
  assert.equal(reasonsOf(old, keyed({ checkout: { config: '', attributes: [{ path: 'shared/util.py', attributes: 'eol=crlf' }] } })), ['shared/util.py checkout attributes "" → "eol=crlf"']);
  assert.equal(reasonsOf(base, old), ['the build key now covers file modes, submodules and checkout settings']);
});

test.run();
