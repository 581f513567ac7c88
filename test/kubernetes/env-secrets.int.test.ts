// Env Secrets are immutable and named by content: a rollout never changes or deletes the Secret
// the previous deployment's pods read, and an old one is collected once nothing uses it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { RolloutError } from '../../src/backends/kubernetes/rollout.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';
import type { EnvValue } from '../../src/spec/types.ts';

const ns = 'env';
const v1 = keys(['iris', inputs('iris')]);
const withEnv = (env: Record<string, EnvValue>) => spec(model('iris', { serving: { env } }));
const password = { DB_PASSWORD: { fromEnv: 'IRIS_DB_PASSWORD', digest: 'd1' } as EnvValue };

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns, { rolloutTimeoutMs: 30_000 });
});
test.after(async () => {
  await cluster.fake.close();
});

const envSecrets = () => cluster.fake.list('secrets', ns, 'slipway.dev/secret=env').map((s) => s.metadata.name);
/** The newest Deployment of the model (each deployment id has its own). */
const newest = () => cluster.fake.list('deployments', ns).sort((a, b) => Number(b.metadata.annotations!['slipway.dev/deployment-id']) - Number(a.metadata.annotations!['slipway.dev/deployment-id']))[0];
const secretNameInTemplate = (): string | undefined =>
  (newest().spec as any).template.spec.containers[0].env.find((e: any) => e.name === 'DB_PASSWORD')?.valueFrom.secretKeyRef.name;

test('a dropped fromEnv variable during a stalled rollout leaves the old ReplicaSet\'s Secret intact', async () => {
  await step(cluster.backend, withEnv({ ...password, MODE: { value: 'a' } }), v1);
  const first = secretNameInTemplate()!;
  const before = cluster.fake.get('secrets', ns, first)!;
  assert.is(before.immutable, true);

  cluster.fake.controller.stall(ns, 'slipway-iris-d2');
  const failure = await step(cluster.backend, withEnv({ MODE: { value: 'a' } }), v1).then(() => null, (error: unknown) => error);
  assert.instance(failure, RolloutError);
  assert.is(secretNameInTemplate(), undefined, 'the new template reads no Secret');
  const after = cluster.fake.get('secrets', ns, first);
  assert.ok(after, 'the old pods can still restart with their values');
  assert.equal(after!.data, before.data);
  assert.is(after!.metadata.resourceVersion, before.metadata.resourceVersion, 'never written again');
  cluster.fake.controller.stall(ns, 'slipway-iris-d2', false);
  await cluster.fake.controller.idle();
});

test('a changed value gets a new Secret; the old one goes once no ReplicaSet with pods nor the serving deployment reads it', async () => {
  await step(cluster.backend, withEnv(password), v1);
  const first = secretNameInTemplate()!;
  // The apply's environment now has another value.
  const changed = createKubernetesBackend({
    kubeConfig: cluster.fake.kubeConfig(ns),
    project: 'demo',
    registry: 'registry.test/ml',
    env: { IRIS_DB_PASSWORD: 'pw-2' },
    lock: { durationSeconds: 5, timeoutMs: 5_000, pollMs: 10 },
  });
  await step(changed, withEnv({ ...password, DB_PASSWORD: { fromEnv: 'IRIS_DB_PASSWORD', digest: 'd2' } }), v1);
  const second = secretNameInTemplate()!;
  assert.is.not(second, first);
  assert.equal(envSecrets(), [second], 'the old Secret was collected after the rollout');
});

test.run();
