// Examples gate traffic on a cluster: the kubernetes backend against the fake API server, whose
// kubelet runs every pod as a real Python replica on loopback, with the real in-cluster gateway in
// front. A deployment's examples are called on its pods through the API server's pod proxy before
// the Service's annotation moves traffic; a failing one leaves the previous deployment serving under
// load with 0 calls answered by the new pods; a passing one switches. A model deployed with the
// layout before deployment ids (one Deployment `slipway-<model>`) moves to it without a failed call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import { modelDeployment } from '../../src/backends/kubernetes/model-deployment.ts';
import { modelService } from '../../src/backends/kubernetes/model-service.ts';
import { gatewayRole } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { deploymentRecordConfigMap } from '../../src/backends/kubernetes/records.ts';
import { clusterHistory } from '../../src/backends/kubernetes/cluster-status.ts';
import { clusterHistoryRecords } from '../../src/history/cluster-records.ts';
import { clusterDeploymentsText } from '../../src/target/cluster-deployments-text.ts';
import { accessKeySecret } from '../../src/backends/kubernetes/model-secrets.ts';
import { recordAccessKeyHash } from '../../src/backends/kubernetes/access-key-index.ts';
import { hashKey } from '../../src/keys/digest.ts';
import { runExamples } from '../../src/apply/test-calls.ts';
import { servingHash } from '../../src/plan/serving-hash.ts';
import { plan } from '../../src/plan/plan.ts';
import type { Plan } from '../../src/plan/types.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import type { ModelSpec, Spec } from '../../src/spec/types.ts';
import type { DeployResult } from '../../src/backends/backend.ts';
import type { Obj } from '../support/fake-kube-apiserver-store.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplica, type Replica } from '../runtime/replica-process.ts';
import { imageBuild, startCluster, type Cluster } from './cluster-harness.ts';

const ns = 'gate';
// The code each build runs (by the pod's `app.kubernetes.io/version` label): build 2 answers wrong.
const code: Record<string, string> = {
  1: 'def predict(x):\n    return {"y": x["n"] * 2}\n',
  2: 'def predict(x):\n    return {"y": x["n"] * 3}\n',
  3: 'def predict(x):\n    return {"y": x["n"] + x["n"]}\n',
};
const builds = [inputs('iris', { 'models/iris/predict.py': 'blob-1' }), inputs('iris', { 'models/iris/predict.py': 'blob-2' }), inputs('iris', { 'models/iris/predict.py': 'blob-3' })];
const iris = (replicas = 2): ModelSpec => ({ ...model('iris', { serving: { replicas, auth: false } }), examples: [{ input: { n: 2 }, output: { y: 4 } }] });

const replicas = new Map<string, Replica>();
let cluster: Cluster;
let gateway: ClusterGateway;

/** Resolves once `check` holds, polling the in-process state (no timing is asserted). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), `never: ${what}`);
}

test.before(async () => {
  cluster = await startCluster(ns, {}, {
    kubelet: {
      async start(pod: Obj) {
        const version = pod.metadata.labels!['app.kubernetes.io/version'];
        const replica = await startReplica({ 'predict.py': code[version] }, 'predict.py', 'predict');
        replicas.set(pod.metadata.name, replica);
        return { port: replica.port };
      },
      // As the pod's preStop hook does on a cluster: the container stops once the gateway has moved
      // off it (its route no longer lists the pod), then finishes its calls in flight on SIGTERM.
      async stop(pod: Obj) {
        await until(() => !gateway.discovery.routes().get('iris')?.replicas.some((r) => r.id === pod.metadata.name), `the gateway leaves ${pod.metadata.name}`);
        await replicas.get(pod.metadata.name)?.stop();
        replicas.delete(pod.metadata.name);
      },
    },
  });
  gateway = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {} });
});
test.after(async () => {
  await gateway.stop();
  await cluster.fake.close();
  for (const replica of replicas.values()) await replica.stop();
});

/** observe → plan → deploy each change with its examples as the gate, as `slipway apply` does. */
async function applyGated(desired: Spec, buildKeys: BuildKeys): Promise<{ plan: Plan; results: DeployResult[] }> {
  return cluster.backend.withLock(async () => {
    const p = plan(desired, buildKeys, await cluster.backend.observe());
    const results: DeployResult[] = [];
    for (const change of p.changes) {
      if (change.action === 'noop') continue;
      if (change.action === 'delete') {
        await cluster.backend.delete(change.model);
        continue;
      }
      const m = change.desired!;
      results.push(await cluster.backend.deploy(change, imageBuild(change.model, change.build!.number, buildKeys), { gate: (call) => runExamples(m, call) }));
    }
    return { plan: p, results };
  });
}

/** Calls the model through the gateway until `done` resolves; every answer's status and replica. */
async function underLoad<T>(work: () => Promise<T>): Promise<{ value: T; answers: { status: number; replica: string; y: unknown }[] }> {
  const answers: { status: number; replica: string; y: unknown }[] = [];
  let finished = false;
  const loop = async () => {
    while (!finished) {
      const response = await fetch(`${gateway.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { n: 5 } }) });
      const body = (await response.json()) as { ReplicaID?: string; response?: { y: unknown } };
      answers.push({ status: response.status, replica: body.ReplicaID ?? '', y: body.response?.y });
    }
  };
  const loops = [loop(), loop()];
  try {
    return { value: await work(), answers };
  } finally {
    finished = true;
    await Promise.all(loops);
  }
}

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as { accessKey: string }).accessKey, 'base64').toString();
const serviceAnnotation = () => cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations?.['slipway.dev/serving-deployment-id'];
const routedPods = () => gateway.discovery.routes().get('iris')?.replicas.map((r) => r.id) ?? [];
const deploymentNames = () => cluster.fake.list('deployments', ns).map((d) => d.metadata.name);
const proxied = (deployment: string) => cluster.fake.requests.filter((r) => r.method === 'POST' && r.path.includes(`/pods/${deployment}-`) && r.path.endsWith(':8080/proxy/invoke'));

test('create: the examples are called on the new pods through the pod proxy, then the Service annotation moves traffic', async () => {
  const { results } = await applyGated(spec(iris()), keys(['iris', builds[0]]));
  assert.equal(results[0].gate?.passed, true);
  assert.is(proxied('slipway-iris-d1').length, 1, 'one example, called through the API server');
  assert.is(serviceAnnotation(), '1');
  assert.equal(deploymentNames(), ['slipway-iris-d1']);
  await until(() => routedPods().length === 2, 'the gateway routes to both pods');
  assert.ok(routedPods().every((p) => p.startsWith('slipway-iris-d1-')));
});

test('a failing example: the new Deployment is deleted, its results recorded, and under load not one call reaches it', async () => {
  const { value, answers } = await underLoad(() => applyGated(spec(iris()), keys(['iris', builds[1]])));
  const [result] = value.results;
  assert.is(result.deploymentId, 2);
  assert.equal(result.gate?.passed, false);
  assert.equal(result.gate?.tests[0].got, { y: 6 });
  assert.is(proxied('slipway-iris-d2').length, 1, 'the example reached the new pods');
  assert.ok(answers.length > 0);
  assert.equal(answers.filter((a) => a.status !== 200), [], 'every call answered');
  assert.equal(answers.filter((a) => !a.replica.startsWith('slipway-iris-d1-')), [], '0 calls answered by deployment #2');
  assert.ok(answers.every((a) => a.y === 10));
  assert.is(serviceAnnotation(), '1');
  assert.equal(deploymentNames(), ['slipway-iris-d1']);
  const record = cluster.fake.get('configmaps', ns, 'slipway-iris-d2')!;
  assert.is(record.metadata.labels!['slipway.dev/outcome'], 'failed');
  const recorded = JSON.parse(record.metadata.annotations!['slipway.dev/gate-results']) as { index: number; pass: boolean; detail: string }[];
  assert.equal(recorded.map((r) => [r.index, r.pass]), [[0, false]]);
  assert.match(recorded[0].detail, 'y');
  // Deployment #1 is still what was applied: the same change is planned again.
  const again = plan(spec(iris()), keys(['iris', builds[1]]), await cluster.backend.observe());
  assert.is(again.changes[0].action, 'rebuild');
  assert.is((await cluster.backend.observe()).models[0].deployment?.id, 1);
});

test('a passing example switches under load without a failed call; the old Deployment is scaled to 0, then deleted at the next apply', async () => {
  const { value, answers } = await underLoad(() => applyGated(spec(iris()), keys(['iris', builds[2]])));
  assert.equal(value.results[0].gate?.passed, true);
  assert.is(value.results[0].deploymentId, 3);
  assert.is(serviceAnnotation(), '3');
  assert.equal(answers.filter((a) => a.status !== 200), [], 'every call answered');
  assert.ok(answers.every((a) => a.replica.startsWith('slipway-iris-d1-') || a.replica.startsWith('slipway-iris-d3-')));
  await until(() => routedPods().length === 2 && routedPods().every((p) => p.startsWith('slipway-iris-d3-')), 'the gateway routes to deployment #3 only');
  assert.equal(deploymentNames(), ['slipway-iris-d1', 'slipway-iris-d3']);
  assert.is((cluster.fake.get('deployments', ns, 'slipway-iris-d1')!.spec as { replicas: number }).replicas, 0);
  assert.is(plan(spec(iris()), keys(['iris', builds[2]]), await cluster.backend.observe()).changes[0].action, 'noop');

  const { plan: next } = await applyGated(spec(iris(1)), keys(['iris', builds[2]]));
  assert.is(next.changes[0].action, 'reconfigure');
  assert.equal(deploymentNames(), ['slipway-iris-d3', 'slipway-iris-d4']);
  assert.is(serviceAnnotation(), '4');
});

test('the records keep what each gate found, passed or failed: slipway deployments and history --target show it', async () => {
  const state = await cluster.backend.readState();
  const gates = clusterHistory(state, 'iris').map((d) => [d.id, d.outcome, d.gate?.passed, d.gate?.results.map((r) => r.pass)]);
  assert.equal(gates, [[1, 'applied', true, [true]], [2, 'failed', false, [false]], [3, 'applied', true, [true]], [4, 'applied', true, [true]]]);
  const text = clusterDeploymentsText('iris', ns, clusterHistory(state, 'iris'));
  assert.match(text, /^#2 .* examples 0\/1 passed, failed 1\n {4}example 1 failed before it took traffic: .*y/m);
  assert.match(text, /^#3 .* examples 1\/1 passed$/m);
  assert.equal(clusterHistoryRecords(state, 'iris').map((r) => r.gate?.passed), [true, false, true, true]);
});

test('stop, status and delete act on the serving Deployment and every Deployment of the model', async () => {
  await cluster.backend.stop('iris');
  assert.is((cluster.fake.get('deployments', ns, 'slipway-iris-d4')!.spec as { replicas: number }).replicas, 0);
  const p = plan(spec(iris(1)), keys(['iris', builds[2]]), await cluster.backend.observe());
  assert.equal(p.changes[0].reasons, ['stopped while declared running (slipway stop, or by hand)']);
  await applyGated(spec(), {});
  assert.equal(deploymentNames(), []);
  assert.is(cluster.fake.get('services', ns, 'slipway-iris'), null);
});

test('migration: a model deployed as one Deployment `slipway-<model>` moves to deployment ids without a failed call', async () => {
  // What the previous release left: the Deployment without ids in its name, selector or pods, the
  // Service without the annotation, and the record of deployment #5.
  const legacy = structuredClone(modelDeployment({
    project: 'demo', namespace: ns, model: 'iris', deploymentId: 5, build: { number: 1, key: keys(['iris', builds[0]]).iris.key },
    image: 'registry.test/ml/iris@sha256:1', serving: iris(2).serving, servingHash: servingHash(iris(2).serving), state: 'running',
    gitCommit: null, imagePullSecret: null, progressDeadlineSeconds: 0, envSecret: null,
  }));
  legacy.metadata!.name = 'slipway-iris';
  for (const labels of [legacy.metadata!.labels!, legacy.spec!.selector.matchLabels!, legacy.spec!.template.metadata!.labels!]) delete labels['slipway.dev/deployment-id'];
  await cluster.backend.withLock(async () => {
    await cluster.backend.api.apply(legacy);
    await cluster.backend.api.apply(modelService({ project: 'demo', namespace: ns, model: 'iris' }));
    await cluster.backend.api.create(deploymentRecordConfigMap(ns, {
      id: 5, model: 'iris', build: 1, buildKey: keys(['iris', builds[0]]).iris.key, image: 'registry.test/ml/iris@sha256:1', serving: iris(2).serving,
      servingHash: servingHash(iris(2).serving), state: 'running', action: 'create', reasons: [], gitCommit: null, actor: 'test', createdAt: new Date().toISOString(),
    }));
  });
  await cluster.backend.withLock(async () => {
    await cluster.backend.api.create(accessKeySecret({ project: 'demo', namespace: ns, model: 'iris' }, 'legacykey'));
    await recordAccessKeyHash(cluster.backend.api, 'iris', hashKey('legacykey'));
  });
  await until(() => routedPods().length === 2, 'the gateway routes to the legacy pods');
  assert.ok(routedPods().every((p) => p.startsWith('slipway-iris-') && !p.startsWith('slipway-iris-d')));
  assert.is(plan(spec(iris()), keys(['iris', builds[0]]), await cluster.backend.observe()).changes[0].action, 'noop', 'the legacy Deployment is observed as serving');

  const { value, answers } = await underLoad(() => applyGated(spec(iris()), keys(['iris', builds[2]])));
  assert.equal(value.results[0].gate?.passed, true);
  assert.equal(answers.filter((a) => a.status !== 200), [], 'every call answered');
  assert.is(serviceAnnotation(), String(value.results[0].deploymentId));
  assert.is((cluster.fake.get('deployments', ns, 'slipway-iris')!.spec as { replicas: number }).replicas, 0);
  await applyGated(spec(iris(1)), keys(['iris', builds[2]]));
  assert.not.ok(deploymentNames().includes('slipway-iris'), 'the legacy Deployment is deleted at the next apply');
});

test('an in-cluster gateway from before deployment ids is refused, with how to upgrade it; the current one is not', async () => {
  const current = gatewayRole({ project: 'demo', namespace: ns, image: 'i', replicas: 1, serviceType: 'ClusterIP', imagePullSecret: null });
  const old = { ...current, rules: current.rules!.filter((r) => !r.resources!.includes('services')) };
  cluster.fake.put('roles', ns, old as unknown as Obj);
  const refused = await applyGated(spec(iris(2)), keys(['iris', builds[2]])).then(() => null, (error: Error) => error);
  assert.match(refused?.message ?? '', 'predates deployment ids');
  assert.match(refused?.message ?? '', 'slipway install');
  cluster.fake.remove('roles', ns, 'slipway-gateway');
  cluster.fake.put('roles', ns, current as unknown as Obj);
  const { results } = await applyGated(spec(iris(2)), keys(['iris', builds[2]]));
  assert.equal(results[0].gate?.passed, true);
});

test('the fake API server proxies to pods as a real one does: 401, 404, a number for the port, bytes both ways', async () => {
  // A pod of the serving deployment: the earlier ones' pods may still be going away.
  const serving = serviceAnnotation();
  const pod = cluster.fake.list('pods', ns).find((p) => p.metadata.labels?.['slipway.dev/deployment-id'] === serving)!.metadata.name;
  const base = `${cluster.fake.url}/api/v1/namespaces/${ns}/pods`;
  const auth = { authorization: `Bearer ${cluster.fake.token}`, 'content-type': 'application/json' };
  const post = (path: string, headers: Record<string, string> = auth, body = '{"n": 2}') => fetch(`${base}/${path}`, { method: 'POST', headers, body });
  assert.is((await post(`${pod}:8080/proxy/invoke`, { 'content-type': 'application/json' })).status, 401);
  assert.is((await post('no-such-pod:8080/proxy/invoke')).status, 404);
  assert.is((await post(`${pod}:http/proxy/invoke`)).status, 503, 'a pod port is a number (names resolve for Services only)');
  assert.is((await post(`${pod}:9999/proxy/invoke`)).status, 503, 'nothing listens there');
  const answer = await post(`${pod}:8080/proxy/invoke`);
  assert.is(answer.status, 200);
  assert.equal(((await answer.json()) as { response: unknown }).response, { y: 4 });
  const failing = await post(`${pod}/proxy/invoke`, auth, '{"m": 1}');
  assert.is(failing.status, 500, 'the runtime\'s own error, passed through; without a port, the first container port');
  assert.match(((await failing.json()) as { error: { type: string } }).error.type, 'KeyError');
});

test.run();
