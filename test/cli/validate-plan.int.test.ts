// `slipway validate` and `slipway plan` as a user runs them: a real git repository in a temp folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitFixture } from '../support/git-fixture.ts';
import { slipway } from '../support/cli.ts';

const modelsYaml = `version: 1
project: demo
models:
  - name: adder
    file: models/adder/add.py
    function: add
    env:
      THRESHOLD: "0.5"
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;

function repo() {
  const fx = gitFixture();
  fx.write('models.yaml', modelsYaml);
  fx.write('models/adder/add.py', 'def add(args):\n    return args["a"] + args["b"]\n');
  fx.write('.gitignore', '.slipway/\n');
  fx.commitAll('a model');
  return fx;
}

test('validate: a valid file exits 0 and says so', () => {
  const fx = repo();
  try {
    const run = slipway(fx.root, ['validate']);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, 'models.yaml: valid (1 model)');
  } finally {
    fx.remove();
  }
});

test('validate refuses what plan refuses: a symlink out of the repository, and NUL in an env value', () => {
  const fx = repo();
  const outside = mkdtempSync(path.join(tmpdir(), 'slipway-outside-'));
  try {
    writeFileSync(path.join(outside, 'weights.bin'), 'secret weights');
    symlinkSync(path.join(outside, 'weights.bin'), path.join(fx.root, 'models/adder/weights.bin'));
    fx.commitAll('a link out');
    const linked = slipway(fx.root, ['validate']);
    assert.is(linked.status, 1, linked.stdout);
    assert.match(linked.stderr, /models\.yaml:4:\d+: model adder: models\/adder\/weights\.bin: .*outside the repository/);
    const planned = slipway(fx.root, ['plan']);
    assert.is(planned.status, 1);
    assert.match(planned.stderr, 'outside the repository');
    rmSync(path.join(fx.root, 'models/adder/weights.bin'));
    fx.write('models.yaml', modelsYaml.replace('THRESHOLD: "0.5"', 'THRESHOLD: "0.5\\0rest"'));
    const nul = slipway(fx.root, ['validate']);
    assert.is(nul.status, 1, nul.stdout);
    assert.match(nul.stderr, /models\.yaml:8:\d+ models\[0\]\.env\.THRESHOLD: an environment value cannot hold a NUL character/);
  } finally {
    rmSync(outside, { recursive: true, force: true });
    fx.remove();
  }
});

test('validate: every problem at once, with file:line:column, exit 1', () => {
  const fx = repo();
  try {
    fx.write('models.yaml', modelsYaml.replace('function: add', 'function: nope').replace('    env:', '    replicas: 12\n    env:'));
    const run = slipway(fx.root, ['validate']);
    assert.is(run.status, 1);
    assert.match(run.stderr, 'models.yaml:6:15 models[0].function:');
    assert.match(run.stderr, /models\.yaml:7:15 models\[0\]\.replicas: 12 is above limits\.maxReplicas 9/);
    assert.match(run.stderr, '2 problems');
  } finally {
    fx.remove();
  }
});

test('plan: create on a fresh repository, JSON shape, detailed exit code 2, from a subfolder', () => {
  const fx = repo();
  try {
    const sub = path.join(fx.root, 'models', 'adder');
    const run = slipway(sub, ['plan', '--json', '--detailed-exitcode']);
    assert.is(run.status, 2, run.stderr);
    const parsed = JSON.parse(run.stdout);
    assert.equal(Object.keys(parsed), ['changes']);
    assert.is(parsed.changes.length, 1);
    const [change] = parsed.changes;
    assert.equal(Object.keys(change).sort(), ['action', 'build', 'model', 'reasons', 'why']);
    assert.is(change.model, 'adder');
    assert.is(change.action, 'create');
    assert.equal(change.build.number, 1);
    assert.equal(change.build.reused, false);
    assert.match(change.build.key, /^[0-9a-f]{64}$/);
    assert.not.match(run.stdout, '0.5', 'env values never appear in a plan');
  } finally {
    fx.remove();
  }
});

test('plan: the terminal table without colour when not on a TTY; no .slipway left behind', () => {
  const fx = repo();
  try {
    const run = slipway(fx.root, ['plan']);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, /adder\s+create\s+#1 \(new\)/);
    assert.not.match(run.stdout, '\u001b[');
    assert.is(fx.git('status', '--porcelain', '--ignored'), '');
  } finally {
    fx.remove();
  }
});

test('plan: an invalid file exits 1 with positioned errors', () => {
  const fx = repo();
  try {
    fx.write('models.yaml', modelsYaml.replace('name: adder', 'name: Adder_1'));
    const run = slipway(fx.root, ['plan', '--detailed-exitcode']);
    assert.is(run.status, 1);
    assert.match(run.stderr, /models\.yaml:4:11 models\[0\]\.name:/);
  } finally {
    fx.remove();
  }
});

test('plan: outside a git repository says what to do', () => {
  const fx = repo();
  try {
    const outside = path.join(fx.root, '..', `not-a-repo-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    const run = slipway(outside, ['plan']);
    assert.is(run.status, 1);
    assert.match(run.stderr, /git/);
  } finally {
    fx.remove();
  }
});

test.run();
