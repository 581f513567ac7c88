// The apply lock (Lease slipway-apply-lock): two applies to one namespace run one after the other,
// and an apply that waits longer than its timeout gives up with a message saying who holds the lock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplyLockTimeoutError } from '../../src/backends/kubernetes/apply-lock.ts';
import { createKubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';

const ns = 'locks';
let fake: FakeKubeApiServer;
test.before(async () => {
  fake = await startFakeKubeApiServer();
});
test.after(async () => {
  await fake.close();
});

function backend(holder: string, timeoutMs: number) {
  return createKubernetesBackend({
    kubeConfig: fake.kubeConfig(ns),
    project: 'demo',
    registry: 'registry.test',
    lock: { holder, durationSeconds: 30, timeoutMs, pollMs: 10 },
  });
}

/** A promise with its resolve, to hold a lock until the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const leaseReads = () => fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/leases/slipway-apply-lock')).length;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('a second apply waits for the first and then runs', async () => {
  const events: string[] = [];
  const first = gate();
  const a = backend('apply-a', 10_000).withLock(async () => {
    events.push('a starts');
    await first.promise;
    events.push('a ends');
  });
  await until(() => events.includes('a starts'));
  const readsBefore = leaseReads();
  const b = backend('apply-b', 10_000).withLock(async () => {
    events.push('b starts');
    assert.is((fake.get('leases', ns, 'slipway-apply-lock')!.spec as any).holderIdentity, 'apply-b');
    events.push('b ends');
  });
  // b has looked at the lease more than once, so it is waiting, not just starting.
  await until(() => leaseReads() >= readsBefore + 3);
  assert.equal(events, ['a starts']);
  first.open();
  await Promise.all([a, b]);
  assert.equal(events, ['a starts', 'a ends', 'b starts', 'b ends']);
  const lease = fake.get('leases', ns, 'slipway-apply-lock')!.spec as any;
  assert.is(lease.holderIdentity, '', 'released after the last apply');
  assert.is(lease.leaseTransitions, 1);
});

test('an apply that waits past its timeout gives up, naming the holder', async () => {
  const held = gate();
  const events: string[] = [];
  const a = backend('ci-run-41@runner-7', 10_000).withLock(async () => {
    events.push('a holds');
    await held.promise;
  });
  await until(() => events.length > 0);
  let failure: unknown;
  try {
    await backend('alice@laptop', 200).withLock(async () => {
      events.push('b ran');
    });
  } catch (error) {
    failure = error;
  }
  held.open();
  await a;
  assert.instance(failure, ApplyLockTimeoutError);
  assert.is((failure as ApplyLockTimeoutError).holder, 'ci-run-41@runner-7');
  assert.match((failure as Error).message, 'another apply holds the apply lock (Lease slipway-apply-lock in namespace locks, holder "ci-run-41@runner-7"); gave up after waiting 0 s');
  assert.match((failure as Error).message, 'raise lockTimeoutSeconds to wait longer');
  assert.equal(events, ['a holds'], 'the apply that gave up did nothing');
});

test('a lease whose holder stopped renewing is taken over after its duration', async () => {
  // A holder that died: its lease names it, with a 1 s duration, and nobody renews it.
  fake.edit('leases', ns, 'slipway-apply-lock', { spec: { holderIdentity: 'crashed@runner', leaseDurationSeconds: 1 } });
  const events: string[] = [];
  await backend('next@runner', 10_000).withLock(async () => {
    events.push('ran');
  });
  assert.equal(events, ['ran']);
});

test.run();
