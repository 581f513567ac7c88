// The targets section and the rollout setting: defaults applied, nothing secret kept but names.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssues } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { servingHash } from '../../src/plan/serving-hash.ts';
import type { Spec } from '../../src/spec/types.ts';

const root = fileURLToPath(new URL('../fixtures/spec', import.meta.url));

async function load(file: string): Promise<Spec> {
  const loaded = await loadSpec(path.join(root, 'valid', file), { root, env: { REGISTRY_PASSWORD: 'hunter2' } });
  if (!loaded.ok) assert.unreachable(`${file} should load:\n${formatIssues(loaded.errors)}`);
  return (loaded as { spec: Spec }).spec;
}

test('targets: each backend with its defaults; credentials stay references', async () => {
  const spec = await load('targets.yaml');
  assert.equal(spec.targets, {
    laptop: { name: 'laptop', backend: 'local' },
    kind: {
      name: 'kind',
      backend: 'kubernetes',
      context: 'kind-slipway',
      namespace: 'slipway',
      registry: 'localhost:5001',
      insecureRegistry: true,
      buildCache: null,
      registryCredentials: null,
      imagePullSecret: null,
      rolloutTimeoutSeconds: 600,
      lockTimeoutSeconds: 300,
      gateway: { image: null, replicas: 2, serviceType: 'ClusterIP' },
      metricsStore: { size: '1Gi', storageClass: null, postgres: null },
    },
    production: {
      name: 'production',
      backend: 'kubernetes',
      context: null,
      namespace: 'models',
      registry: 'registry.example.com/ml',
      insecureRegistry: false,
      buildCache: 'registry.example.com/ml/cache',
      registryCredentials: { username: { fromEnv: 'REGISTRY_USER' }, password: { fromEnv: 'REGISTRY_PASSWORD' } },
      imagePullSecret: 'registry-pull',
      rolloutTimeoutSeconds: 900,
      lockTimeoutSeconds: 60,
      gateway: { image: 'registry.example.com/ml/slipway:0.1.0', replicas: 3, serviceType: 'LoadBalancer' },
      metricsStore: { size: '1Gi', storageClass: null, postgres: { urlFromEnv: 'METRICS_DATABASE_URL' } },
    },
  });
  assert.not.ok(JSON.stringify(spec).includes('hunter2'));
});

test('a file without targets has no targets key at all', async () => {
  const spec = await load('minimal.yaml');
  assert.not.ok('targets' in spec);
});

test('rollout: recreate is kept; rolling (the default) is left out, so serving hashes do not move', async () => {
  const spec = await load('targets.yaml');
  const [plain, gpu] = spec.models;
  assert.is(gpu.serving.rollout, 'recreate');
  assert.not.ok('rollout' in plain.serving);
  const minimal = (await load('minimal.yaml')).models[0];
  assert.is(servingHash(plain.serving), servingHash(minimal.serving));
  assert.is.not(servingHash(gpu.serving), servingHash({ ...gpu.serving, rollout: undefined }));
});

test.run();
