// The kubernetes backend against the fake API server through a model's whole life:
// create → rebuild → reconfigure → rollback → drift repair (scaled by hand, deleted) → delete,
// each step planned from observe() as `slipway apply` does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'models';
const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });
const secretEnv = { DB_PASSWORD: { fromEnv: 'IRIS_DB_PASSWORD', digest: 'd1' }, MODE: { value: 'fast' } };
const iris = (replicas: number) => spec(model('iris', { serving: { replicas, env: secretEnv } }));

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
});
test.after(async () => {
  await cluster.fake.close();
});

/** The env Secret the live Deployment's pods read. */
const envSecretOf = (): string => (cluster.fake.get('deployments', ns, 'slipway-iris')!.spec as any).template.spec.containers[0].env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.name;
const annotations = () => cluster.fake.get('deployments', ns, 'slipway-iris')?.metadata.annotations ?? {};
const replicaSets = () => cluster.fake.list('replicasets', ns).sort((a, b) =>
  Number(a.metadata.annotations!['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations!['deployment.kubernetes.io/revision']));

test('create: an immutable env Secret, Deployment and Service by server-side apply, then a create-only record; rollout followed', async () => {
  const { fake, backend } = cluster;
  const p = await step(backend, iris(2), keys(['iris', v1]));
  assert.equal(only(p).action, 'create');

  const writes = fake.requests.filter((r) => r.method !== 'GET');
  const applies = writes.filter((r) => r.method === 'PATCH' && r.path.includes('/slipway-iris'));
  assert.equal(applies.map((r) => r.path), [
    `/apis/apps/v1/namespaces/${ns}/deployments/slipway-iris`,
    `/api/v1/namespaces/${ns}/services/slipway-iris`,
  ]);
  for (const r of applies) {
    assert.is(r.contentType, 'application/apply-patch+yaml');
    assert.is(r.query.fieldManager, 'slipway');
    assert.is(r.query.force, 'true');
  }
  const posts = writes.filter((r) => r.method === 'POST').map((r) => `${r.path} ${(r.body as any).metadata.name}`);
  const envSecret = envSecretOf();
  assert.match(envSecret, /^slipway-iris-env-[0-9a-f]{10}$/);
  assert.equal(posts, [
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases slipway-apply-lock`,
    `/api/v1/namespaces/${ns}/configmaps slipway-iris-b1`,
    `/api/v1/namespaces/${ns}/secrets slipway-iris-access-key`,
    // The gateway reads access keys from this index only.
    `/api/v1/namespaces/${ns}/secrets slipway-access-keys`,
    `/api/v1/namespaces/${ns}/secrets slipway-secret-digest-key`,
    `/api/v1/namespaces/${ns}/secrets ${envSecret}`,
    `/api/v1/namespaces/${ns}/configmaps slipway-iris-d1`,
  ]);
  // The record comes after the applies; the lock is released last.
  const order = writes.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);
  assert.ok(order.indexOf('POST models/configmaps') < order.lastIndexOf('POST models/configmaps'));
  assert.is(order.at(-1), 'PUT leases/slipway-apply-lock');
  assert.is(fake.get('leases', ns, 'slipway-apply-lock')!.spec && (fake.get('leases', ns, 'slipway-apply-lock')!.spec as any).holderIdentity, '');

  const d = fake.get('deployments', ns, 'slipway-iris')!;
  assert.is(d.metadata.annotations!['slipway.dev/deployment-id'], '1');
  assert.is(d.metadata.annotations!['slipway.dev/build-number'], '1');
  assert.equal((d.status as any).availableReplicas, 2);
  assert.equal(d.metadata.managedFields!.filter((m) => m.operation === 'Apply').map((m) => m.manager), ['slipway']);
  const secret = fake.get('secrets', ns, envSecret)!;
  assert.is(secret.immutable, true);
  assert.is(Buffer.from((secret.data as any).DB_PASSWORD, 'base64').toString(), 'pw-1');
  const record = fake.get('configmaps', ns, 'slipway-iris-d1')!;
  assert.not.ok(JSON.stringify(record).includes('pw-1'), 'records never hold a secret value');

  const again = plan(iris(2), keys(['iris', v1]), await backend.observe());
  assert.is(only(again).action, 'noop');
});

test('rebuild: a new build is a new image and a new ReplicaSet; the old one is scaled down', async () => {
  const p = await step(cluster.backend, iris(2), keys(['iris', v2]));
  assert.equal(only(p), { action: 'rebuild', build: { number: 2, key: keys(['iris', v2]).iris.key, reused: false }, reasons: ['predict.py modified'] });
  assert.is(annotations()['slipway.dev/deployment-id'], '2');
  assert.is(annotations()['slipway.dev/build-number'], '2');
  const sets = replicaSets();
  assert.is(sets.length, 2);
  assert.equal(sets.map((rs) => (rs.status as any).readyReplicas), [0, 2]);
  const image = (cluster.fake.get('deployments', ns, 'slipway-iris')!.spec as any).template.spec.containers[0].image as string;
  assert.match(image, /^registry\.test\/ml\/iris@sha256:[0-9a-f]{64}$/);
});

test('reconfigure: replicas only — the same build and pod template, scaled, no new ReplicaSet', async () => {
  const p = await step(cluster.backend, iris(3), keys(['iris', v2]));
  assert.equal(only(p).action, 'reconfigure');
  assert.equal(only(p).reasons, ['replicas 2 → 3']);
  assert.is(annotations()['slipway.dev/deployment-id'], '3');
  assert.is(replicaSets().length, 2);
  assert.is((cluster.fake.get('deployments', ns, 'slipway-iris')!.status as any).readyReplicas, 3);
});

test('rollback: the reverted tree has build #1 key; it is redeployed without a build', async () => {
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p).action, 'rollback');
  assert.equal(only(p).reasons, ['build #1 has this key', 'predict.py modified']);
  assert.is(annotations()['slipway.dev/build-number'], '1');
  assert.is(annotations()['slipway.dev/deployment-id'], '4');
  // The template of build #1 is back: its ReplicaSet is reused, as Kubernetes does.
  assert.is(replicaSets().length, 2);
  assert.equal(replicaSets().map((rs) => (rs.status as any).readyReplicas), [3, 0]);
  const builds = cluster.fake.list('configmaps', ns, 'slipway.dev/build-record=true').map((c) => c.metadata.name);
  assert.equal(builds, ['slipway-iris-b1', 'slipway-iris-b2']);
});

test('drift: replicas changed by hand are planned as repair and set back by a forced apply', async () => {
  cluster.fake.edit('deployments', ns, 'slipway-iris', { spec: { replicas: 5 } });
  await cluster.fake.controller.idle();
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p).action, 'repair');
  assert.equal(only(p).reasons, ['replicas changed outside Slipway: 5, declared 3']);
  const d = cluster.fake.get('deployments', ns, 'slipway-iris')!;
  assert.is((d.spec as any).replicas, 3);
  assert.is(d.metadata.annotations!['slipway.dev/deployment-id'], '5');
});

test('drift: a deleted Deployment is planned as repair and applied again', async () => {
  cluster.fake.remove('deployments', ns, 'slipway-iris');
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p), { action: 'repair', build: { number: 1, key: keys(['iris', v1]).iris.key, reused: true }, reasons: ['deployment missing'] });
  const d = cluster.fake.get('deployments', ns, 'slipway-iris')!;
  assert.is((d.status as any).availableReplicas, 3);
  assert.is(only(plan(iris(3), keys(['iris', v1]), await cluster.backend.observe())).action, 'noop');
});

test('stop by hand: scaled to 0 with the state annotation; the plan repairs it', async () => {
  await cluster.backend.stop('iris');
  const d = cluster.fake.get('deployments', ns, 'slipway-iris')!;
  assert.is((d.spec as any).replicas, 0);
  assert.is(d.metadata.annotations!['slipway.dev/state'], 'stopped');
  const p = plan(iris(3), keys(['iris', v1]), await cluster.backend.observe());
  assert.equal(only(p).action, 'repair');
  assert.equal(only(p).reasons, ['stopped while declared running (slipway stop, or by hand)']);
  await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.is(annotations()['slipway.dev/state'], 'running');
});

test('delete: the workload and its Secrets go; history stays, marked deleted', async () => {
  const p = await step(cluster.backend, spec(), {});
  assert.equal(only(p).action, 'delete');
  const { fake } = cluster;
  assert.is(fake.get('deployments', ns, 'slipway-iris'), null);
  assert.is(fake.get('services', ns, 'slipway-iris'), null);
  assert.equal(fake.list('secrets', ns, 'slipway.dev/secret=env'), []);
  assert.is(fake.get('secrets', ns, 'slipway-iris-access-key'), null);
  const history = fake.list('configmaps', ns, 'slipway.dev/history=true');
  assert.equal(history.map((c) => c.metadata.name).sort(), ['slipway-iris-d1', 'slipway-iris-d2', 'slipway-iris-d3', 'slipway-iris-d4', 'slipway-iris-d5', 'slipway-iris-d6', 'slipway-iris-d7']);
  assert.equal(history.filter((c) => c.metadata.labels!['slipway.dev/deleted'] === 'true').map((c) => c.metadata.name), ['slipway-iris-d7']);
  const observed = await cluster.backend.observe();
  assert.is(observed.models[0].deleted, true);
  assert.equal(plan(spec(), {}, observed).changes, []);
  const recreated = plan(iris(1), keys(['iris', v2]), observed);
  assert.equal(only(recreated), { action: 'create', build: { number: 2, key: keys(['iris', v2]).iris.key, reused: true }, reasons: ['re-created after delete', 'build #2 has this key'] });
});

test.run();
