// The cluster's build ledger against the fake API server: builds are recorded as they are built,
// numbers are taken once even when two builders ask at the same moment, and an image a pull
// request's check built is reused by the apply after the merge, which the plan says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { clusterBuildLedger } from '../../src/backends/kubernetes/cluster-build-ledger.ts';
import { applyToTarget, type ApplyToTargetOptions } from '../../src/target/apply-to-target.ts';
import { clusterApplyPorts } from '../../src/target/kubernetes-target.ts';
import type { KubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import type { Spec } from '../../src/spec/types.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import type { Builder } from '../../src/build/builder.ts';
import { clusterTest } from '../../src/ci/cluster-test-flow.ts';
import type { CandidateStarter } from '../../src/ci/candidate-tests.ts';
import type { KubernetesTarget } from '../../src/spec/types.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';
import { startReplica, type Replica } from '../runtime/replica-process.ts';

/** The cluster's apply through the one composer, as the CLI and CI run it. */
const applyToCluster = (input: { backend: KubernetesBackend; builder: Builder; spec: Spec; keys: BuildKeys } & ApplyToTargetOptions) =>
  applyToTarget(clusterApplyPorts(input.backend, input.builder), input, input);

const ns = 'ledger';
const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });
const iris = { ...model('iris'), examples: [{ input: { x: 1 }, output: 1 }] };
const target = { backend: 'kubernetes', registry: 'registry.test/ml', insecureRegistry: true } as unknown as KubernetesTarget;

/** An image builder in memory: pushes nothing, answers with the image the buildah builder would name. */
function imageBuilder(): Builder & { built: number[] } {
  const built: number[] = [];
  return {
    name: 'memory',
    built,
    async build(req) {
      built.push(req.number);
      return { ok: true, artifact: `registry.test/ml/${req.model.name}:${req.key.key}`, logPath: '', digest: `sha256:${'a'.repeat(64)}` };
    },
  };
}
/** Candidates that echo their input, as the model does. */
const echo: CandidateStarter = async () => ({ call: async (_m, input) => ({ ok: true, response: (input as { x: number }).x }), stop: async () => {} });
const noBuilds: Builder = { name: 'none', build: async () => assert.unreachable('the merge built again what the pull request built') as never };

let cluster: Cluster;
// The apply's examples gate traffic: they are called on the new pods, real replicas of the model.
const replicas = new Map<string, Replica>();
test.before(async () => {
  cluster = await startCluster(ns, {}, {
    kubelet: {
      async start(pod) {
        const replica = await startReplica({ 'predict.py': 'def predict(a):\n    return a["x"]\n' }, 'predict.py', 'predict');
        replicas.set(pod.metadata.name, replica);
        return { port: replica.port };
      },
      async stop(pod) {
        await replicas.get(pod.metadata.name)?.stop();
        replicas.delete(pod.metadata.name);
      },
    },
  });
  await step(cluster.backend, spec(iris), keys(['iris', v1]));
});
test.after(async () => {
  await cluster.fake.close();
  for (const replica of replicas.values()) await replica.stop();
});

test('an image built by a pull request is recorded then, and the merge reuses it: the plan says so', async () => {
  const builder = imageBuilder();
  const checked = await clusterTest({
    root: '/repo', spec: spec(iris), keys: keys(['iris', v2]), backend: cluster.backend, target, credentials: null, gitCommit: 'pr-head', env: {}, log: () => {}, builder, start: echo,
  });
  assert.equal(checked.models.map((m) => [m.model, m.build?.number, m.build?.state, m.tests.map((t) => t.pass)]), [['iris', 2, 'built', [true]]]);
  assert.equal(builder.built, [2]);
  const record = JSON.parse((cluster.fake.get('configmaps', ns, 'slipway-iris-b2') as V1ConfigMap).data!['build.json']!);
  assert.equal([record.status, record.artifact, record.gitCommit], ['succeeded', `registry.test/ml/iris:${keys(['iris', v2]).iris.key}`, 'pr-head']);
  assert.is((cluster.fake.get('configmaps', ns, 'slipway-iris-b2') as V1ConfigMap).immutable, true);

  // After the merge: the plan finds build #2 in the cluster's records and builds nothing.
  const merged = await applyToCluster({ backend: cluster.backend, spec: spec(iris), keys: keys(['iris', v2]), root: '/repo', builder: noBuilds, gitCommit: 'merge', log: () => {} });
  const [change] = merged.plan.changes;
  assert.equal([change.action, change.build], ['rebuild', { number: 2, key: keys(['iris', v2]).iris.key, reused: true }]);
  assert.ok(change.reasons.includes('build #2 has this key'), change.reasons.join('; '));
  assert.ok(merged.report?.ok);
  assert.equal(merged.report!.outcomes.map((o) => [o.gated, o.tests.map((t) => t.pass)]), [[true, [true]]], 'the example ran on the new pods before the switch');
  assert.equal(merged.report!.outcomes.map((o) => [o.build?.number, o.build?.reused]), [[2, true]]);
});

test('two builders reserving at once get different numbers; a failed build is recorded as failed', async () => {
  const ledger = clusterBuildLedger(cluster.backend.api);
  const key = keys(['iris', inputs('iris', { 'models/iris/predict.py': 'blob-9' })]).iris;
  const [a, b] = await Promise.all([
    ledger.reserve('iris', { key: key.key, inputs: key.inputs, gitCommit: null }),
    ledger.reserve('iris', { key: key.key, inputs: key.inputs, gitCommit: null }),
  ]);
  assert.equal([a.number, b.number].sort(), [3, 4]);
  assert.is(a.status, 'building');
  const failed = await ledger.finish('iris', a.number, { status: 'failed', logPath: null, errorTail: 'pip exited 1' });
  assert.equal([failed.status, failed.errorTail], ['failed', 'pip exited 1']);
  await ledger.finish('iris', b.number, { status: 'succeeded', artifact: 'registry.test/ml/iris:x', logPath: null, digest: null });
  assert.equal((await ledger.list('iris')).map((x) => [x.number, x.status]), [[1, 'succeeded'], [2, 'succeeded'], [a.number, 'failed'], [b.number, 'succeeded']].sort((x, y) => (x[0] as number) - (y[0] as number)));
});

test.run();
