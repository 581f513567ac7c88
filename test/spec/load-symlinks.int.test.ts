// Symlinks and generated repositories, made in temp folders: git cannot be trusted to keep a
// symlink in the fixtures, and a symlink out of the repository must point somewhere real.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue } from '../../src/spec/format.ts';
import { checkFunctions } from '../../src/spec/function-check.ts';
import { loadSpec } from '../../src/spec/load.ts';

let tmp = '';
let repo = '';
let outside = '';

test.before.each(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-spec-')));
  repo = path.join(tmp, 'repo');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(path.join(repo, 'models'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.py'), 'def predict(args):\n    return args\n');
  fs.writeFileSync(path.join(repo, 'models', 'real.py'), 'def predict(args):\n    return args\n');
});

test.after.each(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeModels(models: string): string {
  const file = path.join(repo, 'models.yaml');
  fs.writeFileSync(file, `version: 1\nproject: demo\nmodels:\n${models}`);
  return file;
}

async function errors(file: string, root = repo): Promise<string[]> {
  const loaded = await loadSpec(file, { root, displayPath: 'models.yaml' });
  return loaded.ok ? [] : loaded.errors.map(formatIssue);
}

test('a model file that is a symlink out of the repository is refused', async () => {
  fs.symlinkSync(path.join(outside, 'secret.py'), path.join(repo, 'models', 'link.py'));
  const file = writeModels('  - name: linked\n    file: models/link.py\n    function: predict\n');
  assert.equal(await errors(file), [
    `models.yaml:5:11 models[0].file: "models/link.py" goes through a symlink to ${path.join(outside, 'secret.py')}, outside the repository; copy what it needs into the repository`,
  ]);
});

test('a folder symlinked out of the repository is refused for file, context and include alike', async () => {
  fs.symlinkSync(outside, path.join(repo, 'ext'));
  const file = writeModels(
    [
      '  - name: via-folder',
      '    file: ext/secret.py',
      '    function: predict',
      '  - name: context',
      '    file: models/real.py',
      '    function: predict',
      '    build: {context: ext, include: [ext/secret.py]}',
      '',
    ].join('\n'),
  );
  assert.equal(await errors(file), [
    `models.yaml:5:11 models[0].file: "ext/secret.py" goes through a symlink to ${path.join(outside, 'secret.py')}, outside the repository; copy what it needs into the repository`,
    `models.yaml:10:22 models[1].build.context: "ext" goes through a symlink to ${outside}, outside the repository; copy what it needs into the repository`,
    `models.yaml:10:37 models[1].build.include[0]: "ext/secret.py" goes through a symlink to ${path.join(outside, 'secret.py')}, outside the repository; copy what it needs into the repository`,
  ]);
});

test('a dangling symlink is named as such', async () => {
  fs.symlinkSync(path.join(outside, 'gone.py'), path.join(repo, 'models', 'dangling.py'));
  const file = writeModels('  - name: dangling\n    file: models/dangling.py\n    function: predict\n');
  assert.equal(await errors(file), [
    'models.yaml:5:11 models[0].file: "models/dangling.py" is a symlink to nothing (looked for models/dangling.py in the repository)',
  ]);
});

test('a symlink that stays inside the repository is fine, and keeps its own path', async () => {
  fs.symlinkSync('real.py', path.join(repo, 'models', 'alias.py'));
  const file = writeModels('  - name: alias\n    file: models/alias.py\n    function: predict\n');
  const loaded = await loadSpec(file, { root: repo });
  assert.ok(loaded.ok);
  if (loaded.ok) assert.is(loaded.spec.models[0].file, 'models/alias.py');
});

test('a root reached through a symlink still holds its own files', async () => {
  const linkedRoot = path.join(tmp, 'linked-repo');
  fs.symlinkSync(repo, linkedRoot);
  writeModels('  - name: real\n    file: models/real.py\n    function: predict\n');
  const loaded = await loadSpec(path.join(linkedRoot, 'models.yaml'), { root: linkedRoot });
  assert.ok(loaded.ok);
  if (loaded.ok) {
    assert.is(loaded.spec.root, linkedRoot);
    assert.is(loaded.spec.models[0].file, 'models/real.py');
  }
});

test('hundreds of models are checked in one go, each missing function reported at its own line', async () => {
  const entries: string[] = [];
  for (let i = 0; i < 300; i++) {
    const dir = path.join(repo, 'models', `m${i}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.py'), i === 123 ? 'def other(args):\n    return 1\n' : 'def predict(args):\n    return 1\n');
    entries.push(`  - name: model-${i}\n    file: models/m${i}/model.py\n    function: predict\n`);
  }
  const file = writeModels(entries.join(''));
  assert.equal(await errors(file), [
    `models.yaml:${4 + 123 * 3 + 2}:15 models[123].function: function "predict" is not defined at the top level of models/m123/model.py (functions there: other)`,
  ]);
});

test('python3 missing: one issue saying what to install, no throw', async () => {
  const findings = await checkFunctions(
    [{ runtime: 'python3', abs: path.join(repo, 'models', 'real.py'), rel: 'models/real.py', function: 'predict', model: ['models', 0] }],
    path.join(tmp, 'no-such-python3'),
  );
  assert.equal(findings, [
    {
      path: ['models', 0, 'function'],
      message: `cannot check the functions of Python models: ${path.join(tmp, 'no-such-python3')} was not found (install python3)`,
    },
  ]);
});

test.run();
