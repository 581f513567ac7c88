import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareOutput } from '../../src/apply/compare-output.ts';

test('equal JSON values pass', () => {
  assert.equal(compareOutput(8, 8), { pass: true });
  assert.equal(compareOutput({ a: [1, 'x', null, true] }, { a: [1, 'x', null, true] }), { pass: true });
});

test('numbers within the tolerance pass, beyond it fail with the path', () => {
  assert.equal(compareOutput({ w: 1.882 }, { w: 1.8824 }, 0.001), { pass: true });
  const far = compareOutput({ w: 1.882 }, { w: 1.9 }, 0.001);
  assert.equal(far.pass, false);
  if (!far.pass) {
    assert.is(far.where, '$.w');
    assert.match(far.why, 'expected 1.882, got 1.9');
    assert.match(far.why, 'tolerance 0.001');
  }
});

test('no tolerance means exact numbers', () => {
  assert.equal(compareOutput(8, 9).pass, false);
});

test('types, keys and lengths must match', () => {
  const type = compareOutput(8, '8');
  assert.equal(type.pass ? '' : type.why, 'expected 8, got "8"');
  const missing = compareOutput({ a: 1, b: 2 }, { a: 1 });
  assert.equal(missing.pass ? '' : missing.why, 'missing key b');
  const extra = compareOutput({ a: 1 }, { a: 1, c: 3 });
  assert.equal(extra.pass ? '' : extra.why, 'unexpected key c');
  const length = compareOutput([1, 2], [1, 2, 3]);
  assert.equal(length.pass ? '' : length.why, 'expected 2 items, got 3');
  const nested = compareOutput({ a: [{ b: 1 }] }, { a: [{ b: 2 }] });
  assert.equal(nested.pass ? '' : nested.where, '$.a[0].b');
});

test.run();
