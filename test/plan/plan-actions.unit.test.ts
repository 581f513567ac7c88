import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasChanges, plan } from '../../src/plan/plan.ts';
import type { Change, Plan } from '../../src/plan/types.ts';
import {
  applied, build, inputs, key, keys, liveOf, model, observed, observedModel, serving, spec,
} from './factories.ts';

const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });

function only(p: Plan, name: string): Change {
  const found = p.changes.filter((change) => change.model === name);
  assert.is(found.length, 1, `exactly one change for ${name}`);
  return found[0];
}

/** iris deployed as deployment #10 of build #1 (inputs v1), running with default serving. */
function deployedIris(fields: Parameters<typeof observedModel>[1] = {}) {
  return observedModel('iris', { builds: [build(1, v1)], deployment: applied(10, 1), ...fields });
}

test('create: a new model gets build #1, new', () => {
  const iris = model('iris');
  const change = only(plan(spec(iris), keys(['iris', v1]), observed()), 'iris');
  assert.equal(change, {
    model: 'iris',
    action: 'create',
    build: { number: 1, key: key(v1).key, reused: false },
    reasons: ['new model'],
    why: [{ kind: 'origin', origin: 'new' }],
    desired: iris,
  });
});

test('create: re-created after delete reuses the build that has the key', () => {
  const gone = observedModel('iris', {
    builds: [build(1, v2), build(2, v1)],
    deployment: applied(10, 2, serving(), 'stopped'),
    deleted: true,
  });
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(gone)), 'iris');
  assert.is(change.action, 'create');
  assert.equal(change.build, { number: 2, key: key(v1).key, reused: true });
  assert.equal(change.reasons, ['re-created after delete', 'build #2 has this key']);
});

test('create: re-created after delete with new code builds the next number', () => {
  const gone = observedModel('iris', { builds: [build(1, v1), build(2, v1, 'failed')], deleted: true });
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(gone)), 'iris');
  assert.equal(change.build, { number: 3, key: key(v2).key, reused: false });
  assert.equal(change.reasons, ['re-created after delete']);
});

test('create: a model whose only build failed retries it as a new number', () => {
  const failed = observedModel('iris', { builds: [build(1, v1, 'failed')] });
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(failed)), 'iris');
  assert.is(change.action, 'create');
  assert.equal(change.build, { number: 2, key: key(v1).key, reused: false });
  assert.equal(change.reasons, ['not deployed yet', 'build #1 with this key failed']);
});

test('create: a model declared stopped says so', () => {
  const change = only(plan(spec(model('iris', { state: 'stopped' })), keys(['iris', v1]), observed()), 'iris');
  assert.equal(change.reasons, ['new model', 'state stopped']);
});

test('rebuild: changed code builds number max + 1', () => {
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(deployedIris())), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 2, key: key(v2).key, reused: false });
  assert.equal(change.reasons, ['predict.py modified']);
});

test('rebuild: a failed build with the same key is retried as a new number', () => {
  const seen = deployedIris({ builds: [build(1, v1), build(2, v2, 'failed')] });
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(seen)), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 3, key: key(v2).key, reused: false });
  assert.equal(change.reasons, ['build #2 with this key failed', 'predict.py modified']);
});

test('rebuild: an unfinished build with the same key is retried as a new number', () => {
  const seen = deployedIris({ builds: [build(1, v1), build(2, v2, 'building')] });
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(seen)), 'iris');
  assert.equal(change.build, { number: 3, key: key(v2).key, reused: false });
  assert.ok(change.reasons.includes('build #2 with this key did not finish'));
});

test('rebuild, not rollback: a pruned build with the key is built again as a new number', () => {
  const seen = deployedIris({ builds: [build(1, v1, 'pruned'), build(2, v2)], deployment: applied(10, 2) });
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(seen)), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 3, key: key(v1).key, reused: false });
  assert.is(change.reasons[0], 'build #1 with this key was pruned');
});

test('rebuild: serving differences are listed after the code changes', () => {
  const iris = model('iris', { serving: { replicas: 3 } });
  const change = only(plan(spec(iris), keys(['iris', v2]), observed(deployedIris())), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.reasons, ['predict.py modified', 'replicas 1 → 3']);
});

test('rebuild: a deployed build with no record is rebuilt', () => {
  const seen = observedModel('iris', { builds: [], deployment: applied(10, 4) });
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(seen)), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 1, key: key(v1).key, reused: false });
  assert.equal(change.reasons, ['deployed build #4 has no record']);
});

test('rollback: the key of an older build redeploys it', () => {
  const seen = observedModel('iris', { builds: [build(1, v1), build(2, v2)], deployment: applied(11, 2) });
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(seen)), 'iris');
  assert.is(change.action, 'rollback');
  assert.equal(change.build, { number: 1, key: key(v1).key, reused: true });
  assert.equal(change.reasons, ['build #1 has this key', 'predict.py modified']);
});

test('rebuild with a reused build: the key of a newer build (built by a pull request check) deploys it, no rollback', () => {
  const seen = observedModel('iris', { builds: [build(1, v1), build(2, v2)], deployment: applied(11, 1) });
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(seen)), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 2, key: key(v2).key, reused: true });
  assert.equal(change.reasons, ['build #2 has this key', 'predict.py modified']);
});

test('rebuild: a build the target may not deploy (a pull-request candidate) is built again under the next number', () => {
  const candidate = { ...build(2, v2), notReusable: 'was a pull-request candidate, built again for the registry' };
  const seen = observedModel('iris', { builds: [build(1, v1), candidate], deployment: applied(11, 1) });
  const change = only(plan(spec(model('iris')), keys(['iris', v2]), observed(seen)), 'iris');
  assert.is(change.action, 'rebuild');
  assert.equal(change.build, { number: 3, key: key(v2).key, reused: false });
  assert.equal(change.reasons, ['build #2 was a pull-request candidate, built again for the registry', 'predict.py modified']);
  // An older build of the key that the target built itself is reused before a newer candidate.
  const older = observedModel('iris', { builds: [build(1, v1), build(2, v2), { ...candidate, number: 3 }], deployment: applied(11, 1) });
  assert.equal(only(plan(spec(model('iris')), keys(['iris', v2]), observed(older)), 'iris').build, { number: 2, key: key(v2).key, reused: true });
});

test('reconfigure: same build, serving differs', () => {
  const iris = model('iris', { serving: { replicas: 3 } });
  const change = only(plan(spec(iris), keys(['iris', v1]), observed(deployedIris())), 'iris');
  assert.is(change.action, 'reconfigure');
  assert.equal(change.build, { number: 1, key: key(v1).key, reused: true });
  assert.equal(change.reasons, ['replicas 1 → 3']);
});

test('stop and start: only the declared state differs', () => {
  const stop = only(plan(spec(model('iris', { state: 'stopped' })), keys(['iris', v1]), observed(deployedIris())), 'iris');
  assert.is(stop.action, 'stop');
  assert.equal(stop.build, { number: 1, key: key(v1).key, reused: true });
  assert.equal(stop.reasons, ['state running → stopped']);

  const stopped = deployedIris({ deployment: applied(10, 1, serving(), 'stopped') });
  const start = only(plan(spec(model('iris')), keys(['iris', v1]), observed(stopped)), 'iris');
  assert.is(start.action, 'start');
  assert.equal(start.reasons, ['state stopped → running']);
});

test('state change with a serving or code change: the bigger action wins and names the state', () => {
  const iris = model('iris', { state: 'stopped', serving: { replicas: 2 } });
  const reconfigure = only(plan(spec(iris), keys(['iris', v1]), observed(deployedIris())), 'iris');
  assert.is(reconfigure.action, 'reconfigure');
  assert.equal(reconfigure.reasons, ['replicas 1 → 2', 'state running → stopped']);

  const rebuild = only(plan(spec(model('iris', { state: 'stopped' })), keys(['iris', v2]), observed(deployedIris())), 'iris');
  assert.is(rebuild.action, 'rebuild');
  assert.equal(rebuild.reasons, ['predict.py modified', 'state running → stopped']);
});

test('a stopped model changed in serving stays stopped', () => {
  const stopped = deployedIris({ deployment: applied(10, 1, serving(), 'stopped') });
  const iris = model('iris', { state: 'stopped', serving: { replicas: 2 } });
  const change = only(plan(spec(iris), keys(['iris', v1]), observed(stopped)), 'iris');
  assert.is(change.action, 'reconfigure');
  assert.equal(change.reasons, ['replicas 1 → 2', 'stays stopped']);
});

test('noop: everything matches; the deployed build is reused', () => {
  const deployment = applied(10, 1);
  const seen = deployedIris({ deployment, live: liveOf(deployment) });
  const iris = model('iris');
  const change = only(plan(spec(iris), keys(['iris', v1]), observed(seen)), 'iris');
  assert.equal(change, {
    model: 'iris',
    action: 'noop',
    build: { number: 1, key: key(v1).key, reused: true },
    reasons: [],
    why: [],
    desired: iris,
  });
});

test('noop: a deployment applied as stopped and live stopped is fine', () => {
  const deployment = applied(10, 1, serving(), 'stopped');
  const seen = deployedIris({ deployment, live: liveOf(deployment) });
  const change = only(plan(spec(model('iris', { state: 'stopped' })), keys(['iris', v1]), observed(seen)), 'iris');
  assert.is(change.action, 'noop');
});

test('noop: with no live state the record is trusted', () => {
  const change = only(plan(spec(model('iris')), keys(['iris', v1]), observed(deployedIris({ live: null }))), 'iris');
  assert.is(change.action, 'noop');
});

test('delete: observed, not declared', () => {
  const p = plan(spec(), keys(), observed(deployedIris()));
  assert.equal(p.changes, [
    { model: 'iris', action: 'delete', build: null, reasons: ['no longer declared in models.yaml'], why: [{ kind: 'deleted' }] },
  ]);
  assert.is('desired' in p.changes[0], false);
});

test('deleted and not declared: left out of the plan', () => {
  const p = plan(spec(), keys(), observed(deployedIris({ deleted: true })));
  assert.equal(p.changes, []);
  assert.is(hasChanges(p), false);
});

test('one change per model, sorted by name across desired and observed', () => {
  const p = plan(
    spec(model('zeta'), model('alpha'), model('mid')),
    keys(['zeta', inputs('zeta')], ['alpha', inputs('alpha')], ['mid', inputs('mid')]),
    observed(
      observedModel('old', { builds: [build(1, inputs('old'))], deployment: applied(1, 1) }),
      observedModel('gone', { deleted: true }),
      observedModel('mid', { builds: [build(1, inputs('mid'))], deployment: applied(2, 1) }),
    ),
  );
  assert.equal(
    p.changes.map((change) => [change.model, change.action]),
    [['alpha', 'create'], ['mid', 'noop'], ['old', 'delete'], ['zeta', 'create']],
  );
});

test('hasChanges: false for noops only, true otherwise', () => {
  const noop = plan(spec(model('iris')), keys(['iris', v1]), observed(deployedIris()));
  assert.is(hasChanges(noop), false);
  assert.is(hasChanges({ changes: [] }), false);
  assert.is(hasChanges(plan(spec(model('iris')), keys(['iris', v2]), observed(deployedIris()))), true);
});

test('a declared model without a build key is a caller bug and throws', () => {
  assert.throws(() => plan(spec(model('iris')), keys(), observed()), /no build key for model "iris"/);
  assert.throws(() => plan(spec(model('constructor')), keys(), observed()), /no build key for model "constructor"/);
});

test.run();
