// Pod Security "restricted", enforced by the fake at the namespace level as admission does: model
// pods and the gateway run there, and a template it refuses fails the rollout at once with the
// admission message instead of after the progress deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Deployment } from '@kubernetes/client-node';
import { gatewayManifests } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { RolloutError, waitForRollout } from '../../src/backends/kubernetes/rollout.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'restricted';
let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
  await cluster.fake.put('namespaces', '', { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
});
test.after(async () => {
  await cluster.fake.close();
});

const conditions = (name: string) => ((cluster.fake.get('deployments', ns, name)!.status ?? {}) as { conditions?: { type: string }[]; readyReplicas?: number });
const input = { project: 'demo', namespace: ns, image: 'registry.test/slipway:1', replicas: 1, serviceType: 'ClusterIP' as const, imagePullSecret: null };

test('a model runs in a restricted namespace', async () => {
  await step(cluster.backend, spec(model('iris')), keys(['iris', inputs('iris')]));
  const status = conditions('slipway-iris-d1');
  assert.is(status.readyReplicas, 1);
  assert.not.ok(status.conditions?.some((c) => c.type === 'ReplicaFailure'));
});

test('the gateway runs in a restricted namespace', async () => {
  for (const manifest of gatewayManifests(input)) await cluster.backend.api.apply(manifest);
  await waitForRollout(cluster.backend.api, 'slipway-gateway', { model: 'gateway', timeoutMs: 30_000 });
  assert.is(conditions('slipway-gateway').readyReplicas, 1);
});

test('a template the namespace refuses fails the rollout at once with the admission message', async () => {
  const [, , , gateway] = gatewayManifests(input);
  const rooted = structuredClone(gateway) as V1Deployment;
  rooted.metadata!.name = 'rooted';
  delete rooted.spec!.template.spec!.securityContext;
  await cluster.backend.api.apply(rooted);
  const failure = await waitForRollout(cluster.backend.api, 'rooted', { model: 'rooted', timeoutMs: 60_000 }).then(() => null, (error: unknown) => error);
  assert.instance(failure, RolloutError);
  assert.is((failure as RolloutError).reason, 'FailedCreate');
  assert.match((failure as RolloutError).message, 'violates PodSecurity "restricted:latest"');
  assert.match((failure as RolloutError).message, 'seccompProfile');
});

test.run();
