// Drift of the pod template: `kubectl set image` and `kubectl set env`, done through the fake as
// the `kubectl-set` field manager, are planned as `repair` and fully undone: the repair is a new
// deployment id, a Deployment made from the manifest alone, and the edited one is scaled to 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { only, startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'drift';
const v1 = keys(['iris', inputs('iris')]);
const iris = spec(model('iris', { serving: { env: { MODE: { value: 'fast' } } } }));

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster(ns);
  await step(cluster.backend, iris, v1);
});
test.after(async () => {
  await cluster.fake.close();
});

type Container = { name: string; image: string; env: { name: string; value?: string }[] };
/** The Deployment the Service routes to. */
const servingName = (): string => `slipway-iris-d${cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations!['slipway.dev/serving-deployment-id']}`;
const container = (): Container => (cluster.fake.get('deployments', ns, servingName())!.spec as any).template.spec.containers.find((c: Container) => c.name === 'model');
const managers = () => cluster.fake.get('deployments', ns, servingName())!.metadata.managedFields!.map((m) => m.manager);

test('kubectl set image and set env are planned as repair and fully undone', async () => {
  const applied = container();
  // kubectl set image deployment/slipway-iris model=evil:1; kubectl set env deployment/slipway-iris DEBUG=1 MODE=slow
  const edited = servingName();
  cluster.fake.update('deployments', ns, edited, (d: any) => {
    const c = d.spec.template.spec.containers[0];
    c.image = 'registry.test/evil:1';
    c.env.find((e: { name: string }) => e.name === 'MODE').value = 'slow';
    c.env.push({ name: 'DEBUG', value: '1' });
  });
  assert.ok(managers().includes('kubectl-set'));

  const p = plan(iris, v1, await cluster.backend.observe());
  assert.is(only(p).action, 'repair');
  assert.ok(only(p).reasons.some((r) => r.includes('image changed outside Slipway: registry.test/evil:1')), only(p).reasons.join('; '));
  assert.ok(only(p).reasons.some((r) => r.includes('by kubectl-set')), only(p).reasons.join('; '));

  await step(cluster.backend, iris, v1);
  const repaired = container();
  assert.is(repaired.image, applied.image);
  assert.equal(repaired.env, applied.env, 'DEBUG removed, MODE back to fast');
  assert.not.ok(managers().includes('kubectl-set'), 'the other manager owns nothing in the new Deployment');
  assert.is.not(servingName(), edited);
  assert.is((cluster.fake.get('deployments', ns, edited)!.spec as any).replicas, 0, 'the edited Deployment is scaled to 0');
  assert.is(only(plan(iris, v1, await cluster.backend.observe())).action, 'noop');
});

test('a sidecar added by kubectl edit is removed by the repair', async () => {
  cluster.fake.update('deployments', ns, servingName(), (d: any) => {
    d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    d.spec.template.spec.nodeSelector = { disk: 'ssd' };
  }, 'kubectl-edit');
  assert.is(only(plan(iris, v1, await cluster.backend.observe())).action, 'repair');
  await step(cluster.backend, iris, v1);
  const pod = (cluster.fake.get('deployments', ns, servingName())!.spec as any).template.spec;
  assert.equal(pod.containers.map((c: Container) => c.name), ['model']);
  assert.is(pod.nodeSelector, undefined);
  assert.is(only(plan(iris, v1, await cluster.backend.observe())).action, 'noop');
});

test.run();
