// `slipway history --target`: what was live when, from a cluster's records in the fake API server,
// across create, rebuild, reconfigure, rollback and delete applied by the Kubernetes backend.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKubernetesBackend } from '../../src/backends/kubernetes/kubernetes-backend.ts';
import { slipwayAsync } from '../support/cli.ts';
import { startFakeKubeApiServer, writeKubeconfig } from '../support/fake-kube-apiserver.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { step } from '../kubernetes/cluster-harness.ts';

/** The instant now, once the clock has moved past it, so the next record is strictly later. */
function instant(): string {
  const t = Date.now();
  while (Date.now() === t) {
    // A millisecond at most: record times have millisecond resolution.
  }
  return new Date(t).toISOString();
}

test('history --at --target answers across create, rebuild, reconfigure, rollback and delete', async () => {
  const fake = await startFakeKubeApiServer({ controllerStepMs: 5 });
  const repo = gitFixture();
  try {
    repo.write('models.yaml', 'version: 1\nproject: demo\ntargets:\n  dev: {backend: kubernetes, namespace: models, registry: registry.test/ml}\nmodels:\n  - name: iris\n    file: iris/predict.py\n    function: predict\n');
    repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
    repo.commitAll('models');
    const kubeconfig = path.join(repo.root, 'kubeconfig');
    writeKubeconfig(kubeconfig, fake);
    const target = ['--target', 'dev', '--kubeconfig', kubeconfig];
    const backend = createKubernetesBackend({
      kubeConfig: fake.kubeConfig('models'), project: 'demo', registry: 'registry.test/ml', env: {}, gitCommit: 'a'.repeat(40), actor: 'ci:octo/models#9',
      lock: { durationSeconds: 5, timeoutMs: 5_000, pollMs: 10 },
    });
    const v1 = inputs('iris', { 'iris/predict.py': 'blob-1' });
    const v2 = inputs('iris', { 'iris/predict.py': 'blob-2' });
    const before = instant();
    await step(backend, spec(model('iris')), keys(['iris', v1]));
    const afterCreate = instant();
    await step(backend, spec(model('iris')), keys(['iris', v2]));
    const afterRebuild = instant();
    await step(backend, spec(model('iris', { serving: { replicas: 3 } })), keys(['iris', v2]));
    const afterReconfigure = instant();
    const rollback = await step(backend, spec(model('iris', { serving: { replicas: 3 } })), keys(['iris', v1]));
    assert.is(rollback.changes[0].action, 'rollback');
    const afterRollback = instant();
    await step(backend, spec(), keys());
    const afterDelete = instant();

    type Live = { models: Array<{ deploymentId: number; build: number; commit: string; actor: string; actorKind: string; serving: { replicas: number } }> };
    const liveAt = async (at: string) => {
      const run = await slipwayAsync(repo.root, ['history', 'iris', '--at', at, '--json', ...target]);
      assert.is(run.status, 0, run.stderr);
      return (JSON.parse(run.stdout) as Live).models.map((m) => [m.deploymentId, m.build, m.serving.replicas]);
    };
    assert.equal(await liveAt(before), []);
    assert.equal(await liveAt(afterCreate), [[1, 1, 1]]);
    assert.equal(await liveAt(afterRebuild), [[2, 2, 1]]);
    assert.equal(await liveAt(afterReconfigure), [[3, 2, 3]]);
    assert.equal(await liveAt(afterRollback), [[4, 1, 3]]);
    assert.equal(await liveAt(afterDelete), [], 'deleted: nothing serves iris');

    const run = await slipwayAsync(repo.root, ['history', 'iris', '--at', afterRollback, '--json', ...target]);
    const live = (JSON.parse(run.stdout) as Live).models[0];
    // The cluster backend records the build's commit (the harness's builds say c0ffee) before the apply's.
    assert.equal([live.commit, live.actor, live.actorKind], ['c0ffee', 'ci:octo/models#9', 'ci']);

    const timeline = await slipwayAsync(repo.root, ['history', 'iris', ...target]);
    assert.is(timeline.status, 0, timeline.stderr);
    assert.is(timeline.stdout.trimEnd().split('\n').length, 4);
    assert.match(timeline.stdout, /#4 {2}build #1 .*\(deleted\)/);
  } finally {
    await fake.close();
    repo.remove();
  }
});

test.run();
