import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyOf, selectModelFiles } from '../../src/source/build-keys.ts';
import { canonicalJson } from '../../src/source/key-of.ts';
import { normalizeRepoPath } from '../../src/source/select-model-files.ts';
import type { KeyInputs, ManifestEntry } from '../../src/source/types.ts';
import { model } from './spec-factory.ts';

const inputs = (): KeyInputs => ({
  files: [
    { path: 'm/a.py', blob: '1'.repeat(40) },
    { path: 'm/predict.py', blob: '2'.repeat(40) },
    { path: 'm/requirements.txt', blob: '3'.repeat(40) },
  ],
  requirements: { path: 'm/requirements.txt', blob: '3'.repeat(40) },
  script: null,
  file: 'm/predict.py',
  function: 'predict',
  runtime: 'python3',
  baseImage: null,
  defaultBaseImage: null,
  runtimeVersion: '1',
});

const entries = (...paths: string[]): ManifestEntry[] =>
  paths.sort().map((path, index) => ({ path, blob: index.toString(16).padStart(40, '0') }));
const paths = (files: ManifestEntry[]) => files.map((file) => file.path);

test('keyOf is a sha256 hex digest, the same for equal inputs', () => {
  assert.match(keyOf(inputs()), /^[0-9a-f]{64}$/);
  assert.is(keyOf(inputs()), keyOf(inputs()));
});

test('keyOf ignores the order of files and of object keys', () => {
  const shuffled = inputs();
  shuffled.files.reverse();
  const reordered = Object.fromEntries(Object.entries(inputs()).reverse()) as KeyInputs;
  assert.is(keyOf(shuffled), keyOf(inputs()));
  assert.is(keyOf(reordered), keyOf(inputs()));
});

test('keyOf changes with every input', () => {
  const base = keyOf(inputs());
  const variants: Array<(i: KeyInputs) => void> = [
    (i) => (i.files[0]!.blob = 'f'.repeat(40)),
    (i) => (i.files[0]!.path = 'm/b.py'),
    (i) => i.files.pop(),
    (i) => (i.requirements = null),
    (i) => (i.script = { path: 'm/build.sh', blob: '4'.repeat(40) }),
    (i) => (i.file = 'm/a.py'),
    (i) => (i.function = 'other'),
    (i) => (i.runtime = 'r'),
    (i) => (i.baseImage = 'localhost/base/python:3.11'),
    (i) => (i.defaultBaseImage = 'docker.io/library/python:3.12-slim'),
    (i) => (i.runtimeVersion = '2'),
  ];
  const keys = variants.map((change) => {
    const changed = inputs();
    change(changed);
    return keyOf(changed);
  });
  for (const key of keys) assert.is.not(key, base);
  assert.is(new Set(keys).size, keys.length);
});

test('canonicalJson sorts keys at every depth and keeps array order', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
});

test('normalizeRepoPath gives the form git prints', () => {
  assert.is(normalizeRepoPath('./models/a/'), 'models/a');
  assert.is(normalizeRepoPath('models//a'), 'models/a');
  assert.is(normalizeRepoPath('.'), '');
  assert.is(normalizeRepoPath(''), '');
});

test('selectModelFiles takes the context folder and not its look-alike siblings', () => {
  const all = entries('models/a.txt', 'models/a-2/x.py', 'models/a/predict.py', 'models/a/sub/util.py', 'models/ab/x.py', 'models/a0', 'README.md');
  assert.equal(paths(selectModelFiles(all, model('a', 'models/a'))), ['models/a/predict.py', 'models/a/sub/util.py']);
});

test('selectModelFiles adds includes (files and folders), requirements, script and the entry file, once each', () => {
  const all = entries('lib/x.py', 'lib/y/z.py', 'shared.py', 'deps/requirements.txt', 'm/build.sh', 'm/predict.py', 'other/predict.py', 'm/src/core.py');
  const m = model('m', 'm/src', {
    file: 'm/predict.py',
    build: { include: ['lib', 'shared.py', 'm/src/core.py'], requirements: 'deps/requirements.txt', script: 'm/build.sh' },
  });
  assert.equal(paths(selectModelFiles(all, m)), [
    'deps/requirements.txt',
    'lib/x.py',
    'lib/y/z.py',
    'm/build.sh',
    'm/predict.py',
    'm/src/core.py',
    'shared.py',
  ]);
});

test('selectModelFiles with the repository root as context takes every file', () => {
  const all = entries('a.py', 'b/c.py', 'predict.py');
  assert.equal(paths(selectModelFiles(all, model('m', '.', { file: 'predict.py' }))), ['a.py', 'b/c.py', 'predict.py']);
  assert.equal(paths(selectModelFiles(all, model('m', '', { file: 'predict.py' }))), ['a.py', 'b/c.py', 'predict.py']);
});

test('selectModelFiles returns entries as given, blob ids included', () => {
  const all = entries('m/predict.py', 'n/predict.py');
  assert.equal(selectModelFiles(all, model('m', 'm')), [all[0]]);
  assert.equal(selectModelFiles(entries(), model('m', 'm')), []);
});

test.run();
