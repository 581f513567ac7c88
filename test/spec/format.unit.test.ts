import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPath, fromJsonPointer } from '../../src/spec/data-path.ts';
import { didYouMean, editDistance } from '../../src/spec/did-you-mean.ts';
import { formatIssue, formatIssues } from '../../src/spec/format.ts';

test('formatIssue: file:line:column path: message', () => {
  const issue = {
    file: 'models.yaml',
    line: 14,
    column: 16,
    path: 'models[1].replicas',
    message: '12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
  };
  assert.is(
    formatIssue(issue),
    'models.yaml:14:16 models[1].replicas: 12 is above limits.maxReplicas 9 (raise limits.maxReplicas, at most 199)',
  );
});

test('formatIssue: no path for problems with the whole file', () => {
  assert.is(formatIssue({ file: 'm.yaml', line: 3, column: 1, path: '', message: 'YAML syntax error: x' }), 'm.yaml:3:1 YAML syntax error: x');
});

test('formatIssues: one line each, in the order given', () => {
  const a = { file: 'a.yaml', line: 2, column: 1, path: 'x', message: 'one' };
  const b = { file: 'a.yaml', line: 1, column: 1, path: 'y', message: 'two' };
  assert.is(formatIssues([a, b]), 'a.yaml:2:1 x: one\na.yaml:1:1 y: two');
  assert.is(formatIssues([]), '');
});

test('formatPath: dots for names, brackets for indices and odd keys', () => {
  assert.is(formatPath([]), '');
  assert.is(formatPath(['models', 1, 'replicas']), 'models[1].replicas');
  assert.is(formatPath(['models', 0, 'env', 'API_TOKEN']), 'models[0].env.API_TOKEN');
  assert.is(formatPath(['env', '1BAD']), 'env["1BAD"]');
  assert.is(formatPath(['models', 0, 'build', 'include', 2]), 'models[0].build.include[2]');
});

test('fromJsonPointer: list indices become numbers, keys stay strings even when numeric', () => {
  const data = { models: [{ env: { '0': 'x', 'a/b': 'y' } }] };
  assert.equal(fromJsonPointer('', data), []);
  assert.equal(fromJsonPointer('/models/0/env/0', data), ['models', 0, 'env', '0']);
  assert.equal(fromJsonPointer('/models/0/env/a~1b', data), ['models', 0, 'env', 'a/b']);
});

test('didYouMean: typos, swapped letters, case and cut-short keys', () => {
  const keys = ['name', 'file', 'function', 'replicas', 'timeoutSeconds', 'busyTimeoutSeconds'];
  assert.is(didYouMean('replica', keys), 'replicas');
  assert.is(didYouMean('fucntion', keys), 'function');
  assert.is(didYouMean('Replicas', keys), 'replicas');
  assert.is(didYouMean('timeout', keys), 'timeoutSeconds');
  assert.is(didYouMean('colour', keys), undefined);
  assert.is(didYouMean('x', keys), undefined);
});

test('editDistance counts a swap of neighbours as one edit', () => {
  assert.is(editDistance('abc', 'abc'), 0);
  assert.is(editDistance('abc', 'acb'), 1);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('', 'abc'), 3);
});

test.run();
