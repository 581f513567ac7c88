// Schema inference from examples: types, required keys, array items, integers vs numbers; and the
// inferred schema accepts every example it came from and refuses the shapes it rules out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inferSchema } from '../../src/contract/infer-schema.ts';
import { modelContract } from '../../src/contract/model-contract.ts';
import { compileSchema } from '../../src/contract/validator.ts';

test('no example: anything', () => {
  assert.equal(inferSchema([]), {});
});

test('scalars: integers stay integers until a fraction appears', () => {
  assert.equal(inferSchema([1, 2]), { type: 'integer' });
  assert.equal(inferSchema([1, 2.5]), { type: 'number' });
  assert.equal(inferSchema(['a']), { type: 'string' });
  assert.equal(inferSchema([true, null]), { type: ['boolean', 'null'] });
  assert.equal(inferSchema([1, 'a']), { type: ['string', 'integer'] });
});

test('objects: union of keys, required only when in every example', () => {
  const schema = inferSchema([
    { petal_length: 5.4, species: 'setosa' },
    { petal_length: 1, tags: ['a'] },
  ]);
  assert.equal(schema, {
    type: 'object',
    properties: {
      petal_length: { type: 'number' },
      species: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['petal_length'],
  });
});

test('arrays: items from the elements of every example; nested objects too', () => {
  assert.equal(inferSchema([[], []]), { type: 'array' });
  assert.equal(inferSchema([[{ x: 1 }], [{ x: 2, y: 'b' }]]), {
    type: 'array',
    items: { type: 'object', properties: { x: { type: 'integer' }, y: { type: 'string' } }, required: ['x'] },
  });
});

test('the inferred schema accepts its examples and names the field that breaks it', () => {
  const examples = [{ features: [1.5, 2], model: 'a' }, { features: [3], model: 'b', extra: true }];
  const compiled = compileSchema(inferSchema(examples));
  assert.ok(compiled.ok);
  if (!compiled.ok) return;
  for (const example of examples) assert.is(compiled.check(example), null);
  assert.is(compiled.check({ features: ['x'], model: 'a' }), 'field /features/0 must be number');
  assert.is(compiled.check({ features: [1] }), 'field /model is required');
  assert.is(compiled.check([1]), 'the input must be object');
});

test('two schemas with the same $id compile side by side (two models may declare one)', () => {
  const a = compileSchema({ $id: 'https://example.com/in', type: 'string' });
  const b = compileSchema({ $id: 'https://example.com/in', type: 'integer' });
  assert.ok(a.ok && b.ok);
  if (a.ok && b.ok) {
    assert.is(a.check('x'), null);
    assert.is(b.check('x'), 'the input must be integer');
  }
});

test('a model contract: declared sides win, outputs only from examples that have one', () => {
  assert.is(modelContract([], undefined, false), null);
  const contract = modelContract([{ input: { a: 1 }, output: 2 }, { input: { a: 2 } }], { input: { type: 'object' } }, true);
  assert.equal(contract, { input: { type: 'object' }, output: { type: 'integer' }, declared: true, validateInput: true });
  assert.equal(modelContract([{ input: 'x' }], undefined, false), { input: { type: 'string' }, output: {} });
});

test.run();
