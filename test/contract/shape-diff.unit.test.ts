// Output shape changes between two inferred schemas: added and removed keys, changed types, nested
// and in arrays; integer vs number is not a change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inferSchema } from '../../src/contract/infer-schema.ts';
import { shapeChanges } from '../../src/contract/shape-diff.ts';

const diff = (before: unknown[], after: unknown[]) => shapeChanges(inferSchema(before), inferSchema(after));

test('the same shape: no change, whatever the values, integers against numbers', () => {
  assert.equal(diff([{ score: 1, label: 'a' }], [{ score: 0.5, label: 'b' }]), []);
});

test('a key added, a key removed, a type changed, nested and in arrays', () => {
  assert.equal(diff([{ score: 1, meta: { v: 1 }, rows: [{ a: 'x' }], old: true }], [{ score: '1', meta: { v: 1, w: [1] }, rows: [{ a: 1 }], extra: null }]), [
    '/score: integer → string',
    '/meta/w: key added (array)',
    '/rows/*/a: string → integer',
    '/extra: key added (null)',
    '/old: key removed',
  ]);
});

test('a whole answer of another type; nothing to compare with when no example had an output', () => {
  assert.equal(diff([{ a: 1 }], [[1]]), ['/: object → array']);
  assert.equal(diff([], [{ a: 1 }]), []);
});

test.run();
