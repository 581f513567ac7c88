// A lost Lease stops an apply before its next write: here another apply takes the lock the moment
// this one's Deployment is written, and nothing after it (Service, deployment record) is written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplyLockLostError } from '../../src/backends/kubernetes/apply-lock.ts';
import { fakeResources } from '../support/fake-kube-apiserver-resources.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'lease';
let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
});
test.after(async () => {
  await cluster.fake.close();
});

test('a Lease taken by another apply stops this apply before its next write', async () => {
  const { fake } = cluster;
  const leases = fakeResources.find((r) => r.name === 'leases')!;
  const stop = fake.store.onEvent((event) => {
    if (event.resource.name !== 'deployments' || event.type !== 'ADDED') return;
    stop();
    fake.store.updateWith(leases, ns, 'slipway-apply-lock', (lease: any) => {
      lease.spec.holderIdentity = 'other-apply@runner';
    }, 'other-apply');
  });
  const failure = await step(cluster.backend, spec(model('iris')), keys(['iris', inputs('iris')])).then(() => null, (error: unknown) => error);
  assert.instance(failure, ApplyLockLostError);
  assert.match((failure as Error).message, 'taken by "other-apply@runner"');
  assert.ok(fake.get('deployments', ns, 'slipway-iris-d1'), 'the write before the loss happened');
  assert.is(fake.get('services', ns, 'slipway-iris'), null, 'no write after it');
  assert.is(fake.get('configmaps', ns, 'slipway-iris-d1'), null, 'no deployment record');
  assert.is((fake.get('leases', ns, 'slipway-apply-lock')!.spec as any).holderIdentity, 'other-apply@runner', 'the release left the new holder alone');
});

test('no renewal for longer than the lease stops the apply too', async () => {
  // The lock's clock is injected: 31 s pass with no renewal (renewals would fire every 10 s).
  let now = 1_000_000;
  const lost = await startCluster('lease-2', { lock: { durationSeconds: 30, timeoutMs: 5_000, pollMs: 10, now: () => now } });
  try {
    const failure = await lost.backend.withLock(async () => {
      now += 31_000;
      return lost.backend.api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }).then(() => null, (error: unknown) => error);
    });
    assert.instance(failure, ApplyLockLostError);
    assert.match((failure as Error).message, 'could not be renewed');
    assert.is(lost.fake.get('configmaps', 'lease-2', 'late'), null);
  } finally {
    await lost.fake.close();
  }
});

test.run();
