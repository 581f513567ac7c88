// applyToTarget on a cluster's ports: the shared applyPlan against the cluster with no local store. A rollback finds
// its build in the cluster's build ledger (its records) and builds nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyToTarget, type ApplyToTargetOptions } from '../../src/target/apply-to-target.ts';
import { clusterApplyPorts } from '../../src/target/kubernetes-target.ts';
import type { KubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import type { Spec } from '../../src/spec/types.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import { clusterBuildLedger } from '../../src/backends/kubernetes/cluster-build-ledger.ts';
import type { Builder } from '../../src/build/builder.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';

/** The cluster's apply through the one composer, as the CLI and CI run it. */
const applyToCluster = (input: { backend: KubernetesBackend; builder: Builder; spec: Spec; keys: BuildKeys } & ApplyToTargetOptions) =>
  applyToTarget(clusterApplyPorts(input.backend, input.builder), input, input);

const ns = 'ci';
const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });
const iris = spec(model('iris'));
// A rollback must not build: a builder that is called fails the test.
const noBuilds: Builder = { name: 'none', build: async () => assert.unreachable('a rollback built something') as never };

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
  await step(cluster.backend, iris, keys(['iris', v1]));
  await step(cluster.backend, iris, keys(['iris', v2]));
});
test.after(async () => {
  await cluster.fake.close();
});

test("the cluster's build ledger lists the recorded builds under their numbers", async () => {
  const builds = await clusterBuildLedger(cluster.backend.api).list('iris');
  assert.equal(builds.map((b) => [b.number, b.status, b.key === keys(['iris', b.number === 1 ? v1 : v2]).iris.key]), [[1, 'succeeded', true], [2, 'succeeded', true]]);
  assert.match(builds[0].artifact!, 'registry.test/ml/iris:');
});

test('a rollback applies from the cluster records alone', async () => {
  const logs: string[] = [];
  const { plan, report } = await applyToCluster({
    backend: cluster.backend, spec: iris, keys: keys(['iris', v1]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: (l) => logs.push(l),
  });
  assert.is(plan.changes[0].action, 'rollback');
  assert.ok(report?.ok, logs.join('\n'));
  assert.equal(report!.outcomes.map((o) => [o.action, o.deploymentId, o.build?.number]), [['rollback', 3, 1]]);
  assert.is(cluster.fake.get('deployments', ns, 'slipway-iris-d3')!.metadata.annotations!['slipway.dev/build-number'], '1');
  const again = await applyToCluster({ backend: cluster.backend, spec: iris, keys: keys(['iris', v1]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: () => {} });
  assert.is(again.report, null, 'nothing to do');
});

test('a confirmed plan is applied only while it is still the plan; a stale one is refused and changes nothing', async () => {
  const recorded = (await cluster.backend.readState()).history.get('iris')!.length;
  // Confirmed: back to build #2. Meanwhile someone else applies a reconfigure.
  const confirmed = await applyToCluster({ backend: cluster.backend, spec: iris, keys: keys(['iris', v2]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: () => {}, confirm: async () => false });
  assert.is(confirmed.plan.changes[0].action, 'rebuild');
  await step(cluster.backend, spec(model('iris', { serving: { replicas: 2 } })), keys(['iris', v1]));
  const stale = await applyToCluster({
    backend: cluster.backend, spec: iris, keys: keys(['iris', v2]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: () => {}, fingerprint: confirmed.fingerprint,
  });
  assert.is(stale.refused, 'the plan changed since you confirmed it: review it again');
  assert.is(stale.report, null);
  assert.is((await cluster.backend.readState()).history.get('iris')!.length, recorded + 1, 'only the reconfigure was recorded');
  // The plan made now, confirmed as such, is applied.
  const current = await applyToCluster({ backend: cluster.backend, spec: iris, keys: keys(['iris', v2]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: () => {}, confirm: async () => false });
  const applied = await applyToCluster({
    backend: cluster.backend, spec: iris, keys: keys(['iris', v2]), root: '/repo', builder: noBuilds, gitCommit: 'abc', log: () => {}, fingerprint: current.fingerprint,
  });
  assert.is(applied.refused, undefined);
  assert.ok(applied.report?.ok);
});

test.run();
