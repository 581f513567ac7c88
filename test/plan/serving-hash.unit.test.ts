import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { servingHash } from '../../src/plan/serving-hash.ts';
import type { Serving } from '../../src/spec/types.ts';
import { serving } from './factories.ts';

test('sha256 hex, stable for equal settings whatever the key order', () => {
  const a = serving({ env: { A: { value: '1' }, B: { fromEnv: 'TOKEN', digest: 'd' } } });
  const reordered = JSON.parse(JSON.stringify(a), (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).reverse())
      : value,
  ) as Serving;
  assert.equal(Object.keys(reordered), Object.keys(a).reverse());
  assert.match(servingHash(a), /^[0-9a-f]{64}$/);
  assert.is(servingHash(reordered), servingHash(a));
});

test('every field changes the hash', () => {
  const start = servingHash(serving());
  const variants: Partial<Serving>[] = [
    { replicas: 2 },
    { resources: { cpu: '2', memory: '1Gi', gpu: 0 } },
    { resources: { cpu: '1', memory: '2Gi', gpu: 0 } },
    { resources: { cpu: '1', memory: '1Gi', gpu: 1 } },
    { env: { A: { value: '1' } } },
    { concurrency: 2 },
    { timeoutSeconds: 31 },
    { busyTimeoutSeconds: 31 },
    { auth: false },
    { maxRequestBytes: 1 },
  ];
  for (const variant of variants) assert.is.not(servingHash(serving(variant)), start, JSON.stringify(variant));
});

test('fromEnv: the variable name and the digest count, an unknown digest differs from a known one', () => {
  const hash = (env: Serving['env']) => servingHash(serving({ env }));
  const known = hash({ T: { fromEnv: 'TOKEN', digest: 'd1' } });
  assert.is.not(hash({ T: { fromEnv: 'TOKEN', digest: 'd2' } }), known);
  assert.is.not(hash({ T: { fromEnv: 'OTHER', digest: 'd1' } }), known);
  assert.is.not(hash({ T: { fromEnv: 'TOKEN' } }), known);
  assert.is(hash({ T: { fromEnv: 'TOKEN' } }), hash({ T: { fromEnv: 'TOKEN', digest: undefined } }));
});

test.run();
