import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { literalEnv, mergeEnv, toEnvValues } from '../../src/spec/merge-env.ts';

test('precedence: global < project < model, per variable', () => {
  const merged = mergeEnv(
    literalEnv({ LEVEL: 'global', ONLY_GLOBAL: 'g' }),
    { LEVEL: { value: 'project' }, ONLY_PROJECT: { value: 'p' } },
    { LEVEL: { value: 'model' } },
  );
  assert.equal(merged, {
    LEVEL: { value: 'model' },
    ONLY_GLOBAL: { value: 'g' },
    ONLY_PROJECT: { value: 'p' },
  });
});

test('a secret in a higher layer replaces a literal below it, and the other way round', () => {
  assert.equal(mergeEnv({ T: { value: 'plain' } }, { T: { fromEnv: 'TOKEN' } }), { T: { fromEnv: 'TOKEN' } });
  assert.equal(mergeEnv({ T: { fromEnv: 'TOKEN', digest: 'd' } }, { T: { value: 'plain' } }), { T: { value: 'plain' } });
});

test('keys come out sorted whatever order the layers list them in', () => {
  const merged = mergeEnv({ B: { value: '1' }, A: { value: '2' } }, { C: { value: '3' }, AA: { value: '4' } });
  assert.equal(Object.keys(merged), ['A', 'AA', 'B', 'C']);
});

test('missing layers are skipped; no layers give an empty env', () => {
  assert.equal(mergeEnv(undefined, { A: { value: '1' } }, undefined), { A: { value: '1' } });
  assert.equal(mergeEnv(), {});
});

test('the layers given are not changed', () => {
  const low = { A: { value: '1' } };
  const high = { A: { value: '2' } };
  mergeEnv(low, high);
  assert.equal(low, { A: { value: '1' } });
  assert.equal(high, { A: { value: '2' } });
});

test('__proto__ is an ordinary variable name, not a prototype change', () => {
  const layer = JSON.parse('{"__proto__": {"value": "x"}}') as Record<string, { value: string }>;
  const merged = mergeEnv(layer);
  assert.equal(Object.keys(merged), ['__proto__']);
  assert.is(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value, { value: 'x' });
});

test('toEnvValues: strings become values; fromEnv keeps the name, digested only when set', () => {
  const calls: Array<[string, string]> = [];
  const digest = (name: string, value: string) => {
    calls.push([name, value]);
    return `digest-of-${name}`;
  };
  const values = toEnvValues(
    { PLAIN: 'v', SET: { fromEnv: 'SECRET_SET' }, UNSET: { fromEnv: 'SECRET_UNSET' } },
    { env: { SECRET_SET: 's3cret' }, digest },
  );
  assert.equal(values, {
    PLAIN: { value: 'v' },
    SET: { fromEnv: 'SECRET_SET', digest: 'digest-of-SECRET_SET' },
    UNSET: { fromEnv: 'SECRET_UNSET' },
  });
  assert.equal(calls, [['SECRET_SET', 's3cret']]);
  assert.not.ok(JSON.stringify(values).includes('s3cret'), 'the secret value is never kept');
});

test('toEnvValues: an empty string counts as not set (no digest, so never a change), unless allowEmpty', () => {
  assert.equal(toEnvValues({ E: { fromEnv: 'EMPTY' } }, { env: { EMPTY: '' }, digest: () => 'd' }), { E: { fromEnv: 'EMPTY' } });
  assert.equal(toEnvValues({ E: { fromEnv: 'EMPTY', allowEmpty: true } }, { env: { EMPTY: '' }, digest: () => 'd' }), {
    E: { fromEnv: 'EMPTY', allowEmpty: true, digest: 'd' },
  });
  assert.equal(toEnvValues({ E: { fromEnv: 'EMPTY' } }, { env: { EMPTY: 'x' } }), { E: { fromEnv: 'EMPTY' } });
  assert.equal(toEnvValues(undefined, { env: {} }), {});
});

test.run();
