// A rollout whose new pods never become ready ends with ProgressDeadlineExceeded: deploy fails
// with a clear error, nothing is deleted, the previous deployment's Deployment keeps serving (the
// Service's annotation never moved), and observe() reports it as the one applied, so the next plan
// retries; that apply deletes the stalled Deployment.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RolloutError, waitForRollout } from '../../src/backends/kubernetes/rollout.ts';
import { plan } from '../../src/plan/plan.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { imageBuild, only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'stall';
const v1 = inputs('iris', { 'models/iris/predict.py': 'blob-1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'blob-2' });
const iris = spec(model('iris', { serving: { replicas: 2 } }));

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
});
test.after(async () => {
  await cluster.fake.close();
});

test('ProgressDeadlineExceeded: a clear error naming the model and the condition; the previous Deployment keeps serving', async () => {
  const { fake, backend } = cluster;
  await step(backend, iris, keys(['iris', v1]));
  fake.controller.stall(ns, 'slipway-iris-d2');

  const p = plan(iris, keys(['iris', v2]), await backend.observe());
  assert.is(only(p).action, 'rebuild');
  let failure: unknown;
  try {
    await backend.deploy(p.changes[0], imageBuild('iris', 2, keys(['iris', v2])));
  } catch (error) {
    failure = error;
  }
  assert.instance(failure, RolloutError);
  const error = failure as RolloutError;
  assert.is(error.model, 'iris');
  assert.is(error.reason, 'ProgressDeadlineExceeded');
  assert.match(error.message, /^rollout of iris failed: ProgressDeadlineExceeded: ReplicaSet "slipway-iris-d2-[0-9a-f]{10}" has timed out progressing\. The previous deployment keeps serving/);
  assert.match(error.message, /kubectl -n stall describe deployment slipway-iris-d2/);

  // Nothing was deleted; traffic stays on #1, whose Deployment still has every replica ready.
  assert.is(fake.get('services', ns, 'slipway-iris')!.metadata.annotations!['slipway.dev/serving-deployment-id'], '1');
  assert.is((fake.get('deployments', ns, 'slipway-iris-d1')!.status as any).readyReplicas, 2);
  assert.is((fake.get('deployments', ns, 'slipway-iris-d2')!.status as any).readyReplicas, 0);
  assert.equal(fake.requests.filter((r) => r.method === 'DELETE'), []);

  // The record of #2 is kept, marked failed; observe reports #1 as applied and serving.
  const record = fake.get('configmaps', ns, 'slipway-iris-d2')!;
  assert.is(record.metadata.labels!['slipway.dev/outcome'], 'failed');
  const observed = await backend.observe();
  assert.equal(observed.models[0].deployment!.id, 1);
  assert.equal(observed.models[0].live!.deploymentId, 1);
  assert.equal(observed.models[0].builds.map((b) => b.number), [1, 2]);
  const retry = plan(iris, keys(['iris', v2]), observed);
  // Build #2 is reused: nothing is built again, whatever the action is called.
  assert.is.not(only(retry).action, 'noop');
  assert.equal(only(retry).build, { number: 2, key: keys(['iris', v2]).iris.key, reused: true });
  assert.equal(only(retry).reasons.slice(0, 1), ['build #2 has this key']);

  // Once the pods can start (capacity freed), the retry deletes the stalled Deployment and applies #3.
  fake.controller.stall(ns, 'slipway-iris-d2', false);
  await fake.controller.idle();
  await step(backend, iris, keys(['iris', v2]));
  const after = await backend.observe();
  assert.is(after.models[0].deployment!.id, 3);
  assert.equal(fake.list('deployments', ns).map((d) => d.metadata.name), ['slipway-iris-d1', 'slipway-iris-d3']);
  assert.is(only(plan(iris, keys(['iris', v2]), after)).action, 'noop');
});

test('a failed recreate rollout does not promise that the previous deployment serves', async () => {
  const { fake, backend } = cluster;
  const recreate = spec(model('iris', { serving: { replicas: 2, rollout: 'recreate' } }));
  await step(backend, recreate, keys(['iris', v1]));
  fake.controller.stall(ns, 'slipway-iris-d5');
  const failure = await step(backend, recreate, keys(['iris', v2])).then(() => null, (error: unknown) => error);
  assert.instance(failure, RolloutError);
  assert.not.match((failure as Error).message, 'keeps serving');
  assert.match((failure as Error).message, 'serves nothing until a deployment succeeds');
  assert.is((fake.get('deployments', ns, 'slipway-iris-d4')!.spec as any).replicas, 0, 'recreate stopped the previous deployment first');
});

test('a failed read while waiting is retried, not fatal', async () => {
  const { fake, backend } = cluster;
  fake.controller.stall(ns, 'slipway-iris-d5', false);
  await fake.controller.idle();
  // The API server answers 503 to the next reads of the Deployment, as while it restarts.
  fake.failRequests((method, path) => method === 'GET' && path.endsWith('/deployments/slipway-iris-d5'), 503, 2);
  const logs: string[] = [];
  await waitForRollout(backend.api, 'slipway-iris-d5', { model: 'iris', timeoutMs: 30_000, log: (l) => logs.push(l) });
  assert.is(logs.filter((l) => l.includes('cannot read Deployment slipway-iris-d5')).length, 2);
});

test.run();
