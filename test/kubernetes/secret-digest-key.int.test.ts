// Secret env values on a cluster: digested with a key kept in the namespace, so a plan made on a
// fresh CI runner sees that a secret's value changed, and a reconfigure puts the new value in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterSecretDigest } from '../../src/backends/kubernetes/digest-key.ts';
import { createKubeApi } from '../../src/backends/kubernetes/kube-api.ts';
import { createKubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { DIGEST_KEY_SECRET } from '../../src/backends/kubernetes/names.ts';
import { plan } from '../../src/plan/plan.ts';
import { withSecretDigests } from '../../src/spec/merge-env.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'secrets';
const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const iris = spec(model('iris', { serving: { env: { DB_PASSWORD: { fromEnv: 'IRIS_DB_PASSWORD' }, MODE: { value: 'fast' } } } }));

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
});
test.after(async () => {
  await cluster.fake.close();
});

const keySecret = () => cluster.fake.get('secrets', ns, DIGEST_KEY_SECRET);

test('a plan does not make the key; an apply does, once, and every reader digests alike', async () => {
  const api = cluster.backend.api;
  assert.is(await clusterSecretDigest(api, { create: false }), undefined);
  assert.is(keySecret(), null, 'reading made nothing');
  const [a, b] = await Promise.all([clusterSecretDigest(api, { create: true }), clusterSecretDigest(api, { create: true })]);
  assert.ok(keySecret(), 'the key is in the namespace');
  const later = await clusterSecretDigest(api, { create: false });
  assert.is(a!('X', 'v'), b!('X', 'v'), 'two applies racing to make the key end up with one');
  assert.is(later!('X', 'v'), a!('X', 'v'));
  assert.is.not(a!('X', 'v'), a!('X', 'w'));
  assert.is.not(a!('X', 'v'), a!('Y', 'v'), 'the variable name is part of the digest');

  const elsewhere = createKubeApi(cluster.fake.kubeConfig('other'), 'other');
  assert.is.not((await clusterSecretDigest(elsewhere, { create: true }))!('X', 'v'), a!('X', 'v'), 'each namespace has its own key');
});

test('a changed secret value plans a reconfigure that names no value, and the new value reaches the env Secret', async () => {
  const digest = (await clusterSecretDigest(cluster.backend.api, { create: true }))!;
  const withValue = (value: string) => withSecretDigests(iris, { env: { IRIS_DB_PASSWORD: value }, digest });
  assert.equal(only(await step(cluster.backend, withValue('pw-1'), keys(['iris', v1]))).action, 'create');
  assert.equal(only(plan(withValue('pw-1'), keys(['iris', v1]), await cluster.backend.observe())).action, 'noop');

  const changed = plan(withValue('pw-2'), keys(['iris', v1]), await cluster.backend.observe());
  assert.equal(only(changed).action, 'reconfigure');
  assert.equal(only(changed).reasons, ['env DB_PASSWORD changed (secret)']);
  assert.not.ok(JSON.stringify(changed).includes('pw-'), 'the plan holds no value');

  // The apply's environment now has the new value.
  const applying = createKubernetesBackend({
    kubeConfig: cluster.fake.kubeConfig(ns),
    project: 'demo',
    registry: 'registry.test/ml',
    env: { IRIS_DB_PASSWORD: 'pw-2' },
    lock: { durationSeconds: 5, timeoutMs: 5_000, pollMs: 10 },
  });
  assert.equal(only(await step(applying, withValue('pw-2'), keys(['iris', v1]))).action, 'reconfigure');
  const name = (cluster.fake.get('deployments', ns, 'slipway-iris-d2')!.spec as any).template.spec.containers[0].env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.name;
  const stored = cluster.fake.get('secrets', ns, name)!;
  assert.is(Buffer.from(String((stored as unknown as { data: Record<string, string> }).data.DB_PASSWORD), 'base64').toString(), 'pw-2');
  assert.equal(only(plan(withValue('pw-2'), keys(['iris', v1]), await applying.observe())).action, 'noop');
});

test.run();
