// `slipway keys … --target`: API keys of a cluster live in one Secret the in-cluster gateway reads,
// holding hashes only; a revoked key is refused by the keyring the gateway builds from it.
import type { V1Secret } from '@kubernetes/client-node';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keysFromSecrets } from '../../src/backends/kubernetes/endpoint-discovery.ts';
import { keyringFrom } from '../../src/keys/keyring.ts';
import { slipwayAsync } from '../support/cli.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';

let repo: GitFixture;
let fake: FakeKubeApiServer;
let target: string[];

test.before(async () => {
  fake = await startFakeKubeApiServer();
  repo = gitFixture();
  repo.write(
    'models.yaml',
    `version: 1
project: demo
targets:
  dev: {backend: kubernetes, namespace: models, registry: registry.example.com/ml}
models:
  - name: iris
    file: iris/predict.py
    function: predict
`,
  );
  repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
  repo.commitAll('models');
  const kubeconfig = path.join(repo.root, 'kubeconfig');
  writeKubeconfig(kubeconfig, fake);
  target = ['--target', 'dev', '--kubeconfig', kubeconfig];
});

test.after(async () => {
  await fake.close();
  repo.remove();
});

function keyring() {
  const secrets = fake.list('secrets', 'models') as unknown as V1Secret[];
  const keys = keysFromSecrets(secrets);
  return keyringFrom(keys.accessKeys, keys.apiKeys);
}

test('create, list and revoke API keys on a cluster; only hashes reach the Secret', async () => {
  const created = await slipwayAsync(repo.root, ['keys', 'create', ...target, '--name', 'ci', '--models', 'iris', '--quiet']);
  assert.is(created.status, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^slw_/);

  const secret = fake.get('secrets', 'models', 'slipway-api-keys') as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
  assert.ok(secret, 'the API keys Secret exists');
  assert.is(secret.metadata.labels['slipway.dev/secret'], 'api-keys');
  const stored = Buffer.from(secret.data['keys.json'], 'base64').toString('utf8');
  assert.not.match(stored, key.slice(4), 'the key itself is never stored');
  assert.is(keyring().verifyApiKey(key, 'iris'), 'ok');
  assert.is(keyring().verifyApiKey(key, 'other'), 'forbidden');

  const listed = await slipwayAsync(repo.root, ['keys', 'list', ...target, '--json']);
  assert.is(listed.status, 0, listed.stderr);
  const list = JSON.parse(listed.stdout) as Array<{ id: number; name: string; status: string }>;
  assert.equal(list.map((k) => [k.name, k.status]), [['ci', 'active']]);
  assert.not.match(listed.stdout, key.slice(4));

  const second = await slipwayAsync(repo.root, ['keys', 'create', ...target, '--name', 'other', '--quiet']);
  assert.is(second.status, 0, second.stderr);
  const revoked = await slipwayAsync(repo.root, ['keys', 'revoke', String(list[0].id), ...target]);
  assert.is(revoked.status, 0, revoked.stderr);
  assert.is(keyring().verifyApiKey(key, 'iris'), 'revoked');
  assert.is(keyring().verifyApiKey(second.stdout.trim(), 'iris'), 'ok', 'the other key keeps working');
});

test('rotating the access key of a model not deployed on the cluster says so', async () => {
  const run = await slipwayAsync(repo.root, ['keys', 'rotate', 'iris', ...target]);
  assert.is(run.status, 1);
  assert.match(run.stderr, 'iris has no access key in namespace models: deploy it first');
});

test.run();
