// The kubernetes backend against the fake API server through a model's whole life:
// create → rebuild → reconfigure → rollback → drift repair (scaled by hand, deleted) → delete,
// each step planned from observe() as `slipway apply` does. Each deployment id is a Deployment of
// its own (`slipway-iris-d<id>`); the Service's annotation says which one serves.
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

/** The name of the Deployment the Service routes to. */
const servingName = (): string => `slipway-iris-d${cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations!['slipway.dev/serving-deployment-id']}`;
const serving = () => cluster.fake.get('deployments', ns, servingName())!;
/** The env Secret the serving Deployment's pods read. */
const envSecretOf = (): string => (serving().spec as any).template.spec.containers[0].env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.name;
const annotations = () => serving().metadata.annotations ?? {};
/** Each Deployment of the model with its replicas. */
const deployments = () => cluster.fake.list('deployments', ns).map((d) => `${d.metadata.name} ${(d.spec as any).replicas}`);

test('create: an immutable env Secret, Deployment and Service by server-side apply, then a create-only record; rollout followed', async () => {
  const { fake, backend } = cluster;
  const p = await step(backend, iris(2), keys(['iris', v1]));
  assert.equal(only(p).action, 'create');

  const writes = fake.requests.filter((r) => r.method !== 'GET');
  const applies = writes.filter((r) => r.method === 'PATCH' && r.path.includes('/slipway-iris'));
  assert.equal(applies.map((r) => `${r.contentType} ${r.path}`), [
    `application/apply-patch+yaml /apis/apps/v1/namespaces/${ns}/deployments/slipway-iris-d1`,
    `application/apply-patch+yaml /api/v1/namespaces/${ns}/services/slipway-iris`,
    // The switch: one annotation on the Service, once the rollout is done.
    `application/merge-patch+json /api/v1/namespaces/${ns}/services/slipway-iris`,
  ]);
  assert.equal((applies[2].body as any).metadata.annotations, { 'slipway.dev/serving-deployment-id': '1' });
  for (const r of applies.slice(0, 2)) {
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

  const d = fake.get('deployments', ns, 'slipway-iris-d1')!;
  assert.is(d.metadata.annotations!['slipway.dev/deployment-id'], '1');
  assert.is((d.spec as any).selector.matchLabels['slipway.dev/deployment-id'], '1');
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

test('rebuild: a new build is a new Deployment; the old one is scaled to 0 after the switch', async () => {
  const p = await step(cluster.backend, iris(2), keys(['iris', v2]));
  assert.equal(only(p), { action: 'rebuild', build: { number: 2, key: keys(['iris', v2]).iris.key, reused: false }, reasons: ['predict.py modified'] });
  assert.is(servingName(), 'slipway-iris-d2');
  assert.is(annotations()['slipway.dev/deployment-id'], '2');
  assert.is(annotations()['slipway.dev/build-number'], '2');
  assert.equal(deployments(), ['slipway-iris-d1 0', 'slipway-iris-d2 2']);
  const image = (serving().spec as any).template.spec.containers[0].image as string;
  assert.match(image, /^registry\.test\/ml\/iris@sha256:[0-9a-f]{64}$/);
});

test('reconfigure: a Deployment for the new id; the one before is scaled to 0, the one scaled down before deleted', async () => {
  const p = await step(cluster.backend, iris(3), keys(['iris', v2]));
  assert.equal(only(p).action, 'reconfigure');
  assert.equal(only(p).reasons, ['replicas 2 → 3']);
  assert.is(annotations()['slipway.dev/deployment-id'], '3');
  assert.equal(deployments(), ['slipway-iris-d2 0', 'slipway-iris-d3 3']);
  assert.is((serving().status as any).readyReplicas, 3);
});

test('rollback: the reverted tree has build #1 key; it is redeployed without a build', async () => {
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p).action, 'rollback');
  assert.equal(only(p).reasons, ['build #1 has this key', 'predict.py modified']);
  assert.is(annotations()['slipway.dev/build-number'], '1');
  assert.is(annotations()['slipway.dev/deployment-id'], '4');
  assert.equal(deployments(), ['slipway-iris-d3 0', 'slipway-iris-d4 3']);
  const builds = cluster.fake.list('configmaps', ns, 'slipway.dev/build-record=true').map((c) => c.metadata.name);
  assert.equal(builds, ['slipway-iris-b1', 'slipway-iris-b2']);
});

test('drift: replicas changed by hand are planned as repair and set back by a forced apply', async () => {
  cluster.fake.edit('deployments', ns, 'slipway-iris-d4', { spec: { replicas: 5 } });
  await cluster.fake.controller.idle();
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p).action, 'repair');
  assert.equal(only(p).reasons, ['replicas changed outside Slipway: 5, declared 3']);
  assert.equal(deployments(), ['slipway-iris-d4 0', 'slipway-iris-d5 3']);
  assert.is(annotations()['slipway.dev/deployment-id'], '5');
});

test('drift: a deleted Deployment is planned as repair and applied again', async () => {
  cluster.fake.remove('deployments', ns, 'slipway-iris-d5');
  const p = await step(cluster.backend, iris(3), keys(['iris', v1]));
  assert.equal(only(p), { action: 'repair', build: { number: 1, key: keys(['iris', v1]).iris.key, reused: true }, reasons: ['deployment missing'] });
  // The Deployment scaled down at the last apply does not serve, so it goes.
  assert.equal(deployments(), ['slipway-iris-d6 3']);
  assert.is((serving().status as any).availableReplicas, 3);
  assert.is(only(plan(iris(3), keys(['iris', v1]), await cluster.backend.observe())).action, 'noop');
});

test('stop by hand: scaled to 0 with the state annotation; the plan repairs it', async () => {
  await cluster.backend.stop('iris');
  const d = cluster.fake.get('deployments', ns, 'slipway-iris-d6')!;
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
  assert.equal(fake.list('deployments', ns), []);
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
