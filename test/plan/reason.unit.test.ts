// Reasons as data: plan() says what changed as a Reason, and its text is what plans always said.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import { reasonText, type Reason } from '../../src/plan/reason.ts';
import { applied, build, inputs, keys, liveOf, model, observed, observedModel, serving, spec } from './factories.ts';

const v1 = inputs('iris', { 'models/iris/predict.py': 'p1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'p2' });

test('a rebuild says which file changed, which field and which secret, as data and as text', () => {
  const before = serving({ env: { TOKEN: { fromEnv: 'API_TOKEN', digest: 'd1' } } });
  const after = { replicas: 3, env: { TOKEN: { fromEnv: 'API_TOKEN', digest: 'd2' } } };
  const [change] = plan(
    spec(model('iris', { serving: after })),
    keys(['iris', v2]),
    observed(observedModel('iris', { builds: [build(1, v1)], deployment: applied(7, 1, before) })),
  ).changes;
  assert.is(change.action, 'rebuild');
  assert.equal(change.why, [
    { kind: 'file', path: 'predict.py', change: 'modified' },
    { kind: 'serving', field: 'replicas', from: '1', to: '3' },
    { kind: 'env', name: 'TOKEN', change: 'secret' },
  ]);
  assert.equal(change.reasons, ['predict.py modified', 'replicas 1 → 3', 'env TOKEN changed (secret)']);
});

test('drift and state come as data with the numbers a dashboard needs', () => {
  const deployment = applied(7, 1, serving({ replicas: 3 }));
  const seen = observedModel('iris', { builds: [build(1, v1)], deployment, live: liveOf(deployment, { readyReplicas: 1 }) });
  const [repair] = plan(spec(model('iris', { serving: { replicas: 3 } })), keys(['iris', v1]), observed(seen)).changes;
  assert.equal(repair.why, [{ kind: 'drift', drift: 'ready', ready: 1, declared: 3 }]);
  assert.equal(repair.reasons, ['1 of 3 replicas ready']);
  const [stopped] = plan(spec(model('iris', { state: 'stopped' })), keys(['iris', v1]), observed()).changes;
  assert.equal(stopped.why, [{ kind: 'origin', origin: 'new' }, { kind: 'state', to: 'stopped' }]);
  assert.equal(stopped.reasons, ['new model', 'state stopped']);
});

test('every kind of reason reads as plans have always read', () => {
  const cases: [Reason, string][] = [
    [{ kind: 'origin', origin: 'not-deployed' }, 'not deployed yet'],
    [{ kind: 'origin', origin: 're-created' }, 're-created after delete'],
    [{ kind: 'build-reused', number: 2 }, 'build #2 has this key'],
    [{ kind: 'build-retried', number: 3, outcome: 'pruned' }, 'build #3 with this key was pruned'],
    [{ kind: 'build-retried', number: 3, outcome: 'unfinished' }, 'build #3 with this key did not finish'],
    [{ kind: 'build-unrecorded', number: 4 }, 'deployed build #4 has no record'],
    [{ kind: 'key-changed' }, 'build key changed'],
    [{ kind: 'entry', field: 'base-image', from: 'a', to: 'b' }, 'base image a → b'],
    [{ kind: 'entry', field: 'slipway-runtime', from: '1', to: '2' }, 'Slipway runtime 1 → 2'],
    [{ kind: 'interpreter', name: 'python', change: 'added', to: '3.11.2', executable: '/usr/bin/python3' }, 'python 3.11.2 (/usr/bin/python3) now part of the build key'],
    [{ kind: 'interpreter', name: 'R', change: 'dropped', from: '4.2.2' }, 'R 4.2.2 no longer part of the build key'],
    [{ kind: 'interpreter', name: 'python', change: 'packages', to: '3.11.2', executable: '/x' }, 'python 3.11.2 packages changed (/x)'],
    [{ kind: 'more-files', count: 1 }, '1 more file changed'],
    [{ kind: 'file-mode', path: 'run.sh', from: '100644', to: '100755' }, 'run.sh mode 100644 → 100755'],
    [{ kind: 'submodule', path: 'lib', change: 'modified', from: 'aaaaaaa', to: 'bbbbbbb' }, 'submodule lib aaaaaaa → bbbbbbb'],
    [{ kind: 'checkout-settings', from: 'a', to: '' }, 'git eol settings "a" → ""'],
    [{ kind: 'key-widened' }, 'the build key now covers file modes, submodules and checkout settings'],
    [{ kind: 'env', name: 'X', change: 'source', from: 'A', to: 'B' }, 'env X changed (now from B, was A)'],
    [{ kind: 'env', name: 'X', change: 'no-longer-from-env' }, 'env X changed (no longer from the environment)'],
    [{ kind: 'stays-stopped' }, 'stays stopped'],
    [{ kind: 'drift', drift: 'other-deployment', running: 5, applied: 6 }, 'running deployment #5, last applied #6'],
    [{ kind: 'drift', drift: 'template', text: 'image changed outside Slipway' }, 'image changed outside Slipway'],
  ];
  for (const [reason, text] of cases) assert.is(reasonText(reason), text);
});

test.run();
