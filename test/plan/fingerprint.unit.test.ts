// planFingerprint: equal for the same plan against the same state, different when anything a
// person confirmed (or the state it was made against) changes, and blind to secret digests,
// which depend on whose key planned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planFingerprint } from '../../src/plan/fingerprint.ts';
import { plan } from '../../src/plan/plan.ts';
import type { Observed } from '../../src/plan/types.ts';
import type { Spec } from '../../src/spec/types.ts';
import { applied, build, inputs, keys, liveOf, model, observed, observedModel, serving, spec } from './factories.ts';

const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });
const deployment = applied(1, 1);
const running = observed(observedModel('iris', { builds: [build(1, v1)], deployment, live: liveOf(deployment) }));

const fingerprint = (s: Spec, k = keys(['iris', v2]), o: Observed = running) => planFingerprint(plan(s, k, o), o);

test('the same plan against the same state has the same fingerprint', () => {
  assert.is(fingerprint(spec(model('iris'))), fingerprint(spec(model('iris'))));
  assert.match(fingerprint(spec(model('iris'))), /^[0-9a-f]{64}$/);
});

test('another build key, serving setting or state changes it', () => {
  const base = fingerprint(spec(model('iris')));
  assert.is.not(fingerprint(spec(model('iris')), keys(['iris', inputs('iris', { 'models/iris/predict.py': 'blob-3' })])), base, 'build key');
  assert.is.not(fingerprint(spec(model('iris', { serving: { replicas: 2 } }))), base, 'replicas');
  assert.is.not(fingerprint(spec(model('iris', { state: 'stopped' }))), base, 'declared state');
});

test('another deployment observed (someone applied meanwhile) changes it, though the plan reads the same', () => {
  const later = applied(2, 1);
  const other = observed(observedModel('iris', { builds: [build(1, v1)], deployment: later, live: liveOf(later) }));
  const before = plan(spec(model('iris')), keys(['iris', v2]), running);
  const after = plan(spec(model('iris')), keys(['iris', v2]), other);
  assert.equal(after.changes.map((c) => [c.action, c.build]), before.changes.map((c) => [c.action, c.build]));
  assert.is.not(planFingerprint(after, other), planFingerprint(before, running));
});

test('a secret digest does not change it; a plain env value does', () => {
  const withSecret = (digest: string | undefined) => spec(model('iris', { serving: serving({ env: { TOKEN: { fromEnv: 'TOKEN', digest } } }) }));
  assert.is(fingerprint(withSecret('d1')), fingerprint(withSecret(undefined)));
  const withValue = (value: string) => spec(model('iris', { serving: serving({ env: { MODE: { value } } }) }));
  assert.is.not(fingerprint(withValue('a')), fingerprint(withValue('b')));
});

test.run();
