// `slipway status|builds|deployments --target`: what runs on a cluster and its history, read from
// the Deployments and create-only records the backend wrote to the fake API server.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKubernetesBackend, type KubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { slipwayAsync } from '../support/cli.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { step } from './cluster-harness.ts';

let repo: GitFixture;
let fake: FakeKubeApiServer;
let backend: KubernetesBackend;
let target: string[];

test.before(async () => {
  fake = await startFakeKubeApiServer({ controllerStepMs: 5 });
  repo = gitFixture();
  repo.write('models.yaml', 'version: 1\nproject: demo\ntargets:\n  dev: {backend: kubernetes, namespace: models, registry: registry.test/ml}\nmodels:\n  - name: iris\n    file: iris/predict.py\n    function: predict\n');
  repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
  repo.commitAll('models');
  const kubeconfig = path.join(repo.root, 'kubeconfig');
  writeKubeconfig(kubeconfig, fake);
  target = ['--target', 'dev', '--kubeconfig', kubeconfig];
  backend = createKubernetesBackend({
    kubeConfig: fake.kubeConfig('models'), project: 'demo', registry: 'registry.test/ml', env: {}, lock: { durationSeconds: 5, timeoutMs: 5_000, pollMs: 10 },
  });
  // create → rebuild → reconfigure (3 replicas): three deployments of two builds.
  const v1 = inputs('iris', { 'iris/predict.py': 'blob-1' });
  const v2 = inputs('iris', { 'iris/predict.py': 'blob-2' });
  await step(backend, spec(model('iris')), keys(['iris', v1]));
  await step(backend, spec(model('iris')), keys(['iris', v2]));
  await step(backend, spec(model('iris', { serving: { replicas: 3 } })), keys(['iris', v2]));
});

test.after(async () => {
  await fake.close();
  repo.remove();
});

test('status --target: the deployment, build, replicas and rollout of each model', async () => {
  const run = await slipwayAsync(repo.root, ['status', ...target, '--json']);
  assert.is(run.status, 0, run.stderr);
  const status = JSON.parse(run.stdout) as { namespace: string; models: Array<Record<string, unknown>> };
  assert.is(status.namespace, 'models');
  assert.equal(status.models.map((m) => [m.model, m.state, m.deploymentId, m.build, m.replicas, m.readyReplicas, m.rollout, m.drifted]), [['iris', 'running', 3, 2, 3, 3, 'complete', false]]);
  assert.match(String(status.models[0].image), 'registry.test/ml/iris');

  // Scaled by hand: still deployment #3, but no longer as applied.
  fake.edit('deployments', 'models', 'slipway-iris-d3', { spec: { replicas: 1 } });
  const text = await slipwayAsync(repo.root, ['status', ...target]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, 'namespace models');
  assert.match(text.stdout, /iris {2}running {2}deployment #3 {2}build #2 {2}\d\/1 ready/);
});

test('deployments --target: every record, oldest first, with its build and action; builds --target: the images', async () => {
  const deployments = await slipwayAsync(repo.root, ['deployments', 'iris', ...target, '--json']);
  assert.is(deployments.status, 0, deployments.stderr);
  const history = JSON.parse(deployments.stdout) as Array<{ id: number; build: number; action: string; outcome: string; replicas: number }>;
  assert.equal(history.map((d) => [d.id, d.build, d.action, d.outcome, d.replicas]), [
    [1, 1, 'create', 'applied', 1],
    [2, 2, 'rebuild', 'applied', 1],
    [3, 2, 'reconfigure', 'applied', 3],
  ]);
  const builds = await slipwayAsync(repo.root, ['builds', 'iris', ...target]);
  assert.is(builds.status, 0, builds.stderr);
  const lines = builds.stdout.trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0], /^#1 {2}[0-9a-f]{12} .* registry\.test\/ml\/iris:[0-9a-f]+@sha256:[0-9a-f]{64}$/);
  const none = await slipwayAsync(repo.root, ['builds', 'absent', ...target]);
  assert.match(none.stdout, 'absent has no builds in namespace models');
});

test('prune --target: records younger than --min-age stay; an hour later the newest deployment and its build do', async () => {
  const young = await slipwayAsync(repo.root, ['prune', ...target, '--keep', '1']);
  assert.is(young.status, 0, young.stderr);
  assert.is(young.stdout, 'Nothing to prune.\n');
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const dry = await slipwayAsync(repo.root, ['prune', ...target, '--keep', '1', '--now', later, '--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.is(dry.stdout, 'would remove iris build records #1\nwould remove iris deployment records #1, #2\n');
  const run = await slipwayAsync(repo.root, ['prune', ...target, '--keep', '1', '--now', later, '--json']);
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout), { dryRun: false, builds: [{ model: 'iris', number: 1 }], deployments: [{ model: 'iris', id: 1 }, { model: 'iris', id: 2 }] });
  const records = fake.list('configmaps', 'models').map((m) => m.metadata.name).filter((n) => /^slipway-iris-[bd]\d+$/.test(n)).sort();
  assert.equal(records, ['slipway-iris-b2', 'slipway-iris-d3']);
  const deployments = await slipwayAsync(repo.root, ['deployments', 'iris', ...target, '--json']);
  assert.equal(JSON.parse(deployments.stdout).map((d: { id: number }) => d.id), [3]);
});

test.run();
