// `slipway install` as a person runs it: the real CLI in a real repository, printing manifests with
// --dry-run, refusing without credentials, and applying to the fake API server through a kubeconfig.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { slipway, slipwayAsync } from '../support/cli.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';

const models = `version: 1
project: demo
targets:
  kind:
    backend: kubernetes
    namespace: slipway
    registry: localhost:5001
    gateway: {image: "localhost:5001/slipway:test", replicas: 1}
  prod:
    backend: kubernetes
    registry: registry.example.com/ml
    registryCredentials:
      username: {fromEnv: SLIPWAY_TEST_REG_USER}
      password: {fromEnv: SLIPWAY_TEST_REG_PASSWORD}
    imagePullSecret: pull
models:
  - name: iris
    file: iris/predict.py
    function: predict
`;

let repo: GitFixture;
let fake: FakeKubeApiServer;
test.before(async () => {
  repo = gitFixture();
  repo.write('models.yaml', models);
  repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
  repo.commitAll('models');
  fake = await startFakeKubeApiServer();
  writeKubeconfig(path.join(repo.root, 'kubeconfig'), fake);
});
test.after(async () => {
  await fake.close();
  repo.remove();
});

const models_ = { ServiceAccount, Role, RoleBinding, Deployment, Service, Secret, StatefulSet } as Record<string, new (data: unknown) => { validate(): void }>;

test('--dry-run prints the gateway manifests, valid, in the target namespace', () => {
  const run = slipway(repo.root, ['install', '--target', 'kind', '--dry-run']);
  assert.is(run.status, 0, run.stderr);
  const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
  assert.equal(docs.map((d) => d.kind), ['Secret', 'StatefulSet', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'Service']);
  for (const doc of docs) {
    assert.is(doc.metadata.namespace, 'slipway');
    if (doc.kind !== 'Secret') new models_[doc.kind](doc).validate();
  }
  assert.equal(docs[0].data, { token: '(hidden)' }, 'the metrics store token is not printed');
  assert.is(docs[6].spec.template.spec.containers[0].image, 'localhost:5001/slipway:test');
  assert.equal(docs[6].spec.template.spec.containers[0].env.map((e: { name: string }) => e.name), ['SLIPWAY_NAMESPACE', 'SLIPWAY_METRICS_STORE_URL', 'SLIPWAY_METRICS_STORE_TOKEN', 'SLIPWAY_DASHBOARD_TOKEN']);
  assert.equal(docs[6].spec.template.spec.containers[0].env[3].valueFrom.secretKeyRef, { name: 'slipway-dashboard', key: 'adminToken', optional: true }, 'the admin login is optional');
  assert.is(docs[1].spec.volumeClaimTemplates[0].spec.resources.requests.storage, '1Gi', 'SQLite on a claim by default');
});

test('registry credentials must be in the environment; never in the output', () => {
  const missing = slipway(repo.root, ['install', '--target', 'prod', '--image', 'img:1', '--dry-run']);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, 'target "prod" reads registry credentials from SLIPWAY_TEST_REG_USER and SLIPWAY_TEST_REG_PASSWORD, which are not set');
  const run = slipway(repo.root, ['install', '--target', 'prod', '--image', 'img:1', '--dry-run'], { SLIPWAY_TEST_REG_USER: 'bob', SLIPWAY_TEST_REG_PASSWORD: 's3cret-pw' });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, 'kind: Secret');
  assert.not.match(run.stdout, 's3cret-pw');
  assert.not.match(run.stdout, Buffer.from('bob:s3cret-pw').toString('base64'));
});

test('no image anywhere: a message saying where to give one', () => {
  const run = slipway(repo.root, ['install', '--registry', 'r.example', '--dry-run']);
  assert.is(run.status, 1);
  assert.match(run.stderr, 'no gateway image: pass --image');
});

test('install applies every object by server-side apply and waits for the gateway to roll out', async () => {
  const run = await slipwayAsync(repo.root, ['install', '--target', 'kind', '--kubeconfig', path.join(repo.root, 'kubeconfig')]);
  assert.is(run.status, 0, run.stderr);
  const applies = fake.requests.filter((r) => r.method === 'PATCH');
  assert.equal(applies.map((r) => r.path), [
    '/api/v1/namespaces/slipway/secrets/slipway-metrics-store',
    '/apis/apps/v1/namespaces/slipway/statefulsets/slipway-metrics-store',
    '/api/v1/namespaces/slipway/services/slipway-metrics-store',
    '/api/v1/namespaces/slipway/serviceaccounts/slipway-gateway',
    '/apis/rbac.authorization.k8s.io/v1/namespaces/slipway/roles/slipway-gateway',
    '/apis/rbac.authorization.k8s.io/v1/namespaces/slipway/rolebindings/slipway-gateway',
    '/apis/apps/v1/namespaces/slipway/deployments/slipway-gateway',
    '/api/v1/namespaces/slipway/services/slipway-gateway',
    // The access-key index, rebuilt from the models' access-key Secrets.
    '/api/v1/namespaces/slipway/secrets/slipway-access-keys',
  ]);
  for (const r of applies) {
    assert.is(r.contentType, 'application/apply-patch+yaml');
    assert.equal([r.query.fieldManager, r.query.force], ['slipway', 'true']);
  }
  const deployment = fake.get('deployments', 'slipway', 'slipway-gateway')!;
  assert.is((deployment.status as any).availableReplicas, 1);
  assert.equal((deployment.spec as any).template.metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
  assert.match(run.stdout, 'kubectl -n slipway port-forward svc/slipway-gateway 8080:80');
});

test('a second install keeps the metrics store token, which gateways and store read at pod start', async () => {
  const tokenOf = () => (fake.get('secrets', 'slipway', 'slipway-metrics-store')!.data as Record<string, string>).token;
  const first = tokenOf();
  assert.ok(first && Buffer.from(first, 'base64').toString().length >= 32);
  const run = await slipwayAsync(repo.root, ['install', '--target', 'kind', '--kubeconfig', path.join(repo.root, 'kubeconfig')]);
  assert.is(run.status, 0, run.stderr);
  assert.is(tokenOf(), first);
});

test('a target keeping metrics in PostgreSQL: the URL comes from the environment into the Secret, never into the output', () => {
  const withPg = models.replace('    gateway: {image: "localhost:5001/slipway:test", replicas: 1}', '    gateway: {image: "localhost:5001/slipway:test", replicas: 1}\n    metricsStore: {postgres: {urlFromEnv: SLIPWAY_TEST_METRICS_URL}}');
  repo.write('models.yaml', withPg);
  try {
    const missing = slipway(repo.root, ['install', '--target', 'kind', '--dry-run']);
    assert.is(missing.status, 1);
    assert.match(missing.stderr, 'SLIPWAY_TEST_METRICS_URL, which is not set');
    const run = slipway(repo.root, ['install', '--target', 'kind', '--dry-run'], { SLIPWAY_TEST_METRICS_URL: 'postgres://u:pg-s3cret@db/metrics' });
    assert.is(run.status, 0, run.stderr);
    assert.not.match(run.stdout, 'pg-s3cret');
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
    assert.equal(docs[0].data, { token: '(hidden)', 'postgres-url': '(hidden)' });
    assert.is(docs[1].spec.volumeClaimTemplates, undefined, 'no claim: PostgreSQL keeps the data');
  } finally {
    repo.write('models.yaml', models);
  }
});

test.run();
