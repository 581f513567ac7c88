// Canary and shadow rollouts on a cluster: the kubernetes backend against the fake API server, whose
// kubelet runs every pod as a real Python replica on loopback, with the real in-cluster gateway in
// front driving the rollout controller (it holds the rollout Lease). An apply whose model declares a
// rollout starts it on the Service once the examples passed; the gateway splits calls by weight or
// mirrors them, ends steps when asked (`slipway promote --target` asks the same way), rolls a
// failing canary back with the reason `slipway status --target` shows, and a restarted gateway goes
// on at the same step. Every request the gateway makes is allowed by its Role.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import { gatewayRole } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { requestClusterRollout } from '../../src/backends/kubernetes/rollout-request.ts';
import { runExamples } from '../../src/apply/test-calls.ts';
import type { DeployResult } from '../../src/backends/backend.ts';
import { plan } from '../../src/plan/plan.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import type { ModelSpec, RolloutPolicy, Spec } from '../../src/spec/types.ts';
import type { Obj } from '../support/fake-kube-apiserver-store.ts';
import { writeKubeconfig } from '../support/fake-kube-apiserver.ts';
import { allowedBy, verbOf } from '../support/fake-kube-rbac.ts';
import { slipwayAsync } from '../support/cli.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplica, type Replica } from '../runtime/replica-process.ts';
import { imageBuild, startCluster, type Cluster } from './cluster-harness.ts';

const ns = 'rollouts';
// The code each build runs (by the pod's `app.kubernetes.io/version` label). Every build answers the
// example ({n: 2} → {y: 4}); beyond it: 1, 2, 5 and 6 double, 3 raises, 4 squares.
const code: Record<string, string> = {
  1: 'def predict(x):\n    return {"y": x["n"] * 2}\n',
  2: 'def predict(x):\n    return {"y": x["n"] + x["n"]}\n',
  3: 'def predict(x):\n    if x["n"] != 2:\n        raise ValueError("build 3 is broken")\n    return {"y": 4}\n',
  4: 'def predict(x):\n    return {"y": x["n"] * x["n"]}\n',
  5: 'def predict(x):\n    return {"y": 2 * x["n"]}\n',
  6: 'def predict(x):\n    return {"y": x["n"] * 2 + 0}\n',
};
const buildKeys = (n: number): BuildKeys => keys(['iris', inputs('iris', { 'models/iris/predict.py': `blob-${n}` })]);
const canary = (steps: number[]): RolloutPolicy => ({ strategy: 'canary', steps, intervalMs: 600_000, maxErrorRate: 0.01, maxP95Ms: null });
const shadow: RolloutPolicy = { strategy: 'shadow', durationMs: 3_600_000, maxErrorRate: 0.01, maxP95Ms: null };
const iris = (rolloutPolicy?: RolloutPolicy): ModelSpec => ({
  ...model('iris', { serving: { replicas: 2, auth: false } }),
  examples: [{ input: { n: 2 }, output: { y: 4 } }],
  ...(rolloutPolicy ? { rolloutPolicy } : {}),
});
const role = gatewayRole({ project: 'demo', namespace: ns, image: 'i', replicas: 1, serviceType: 'ClusterIP', imagePullSecret: null });

const replicas = new Map<string, Replica>();
let cluster: Cluster;
let gateway: ClusterGateway;
let repo: GitFixture;
let target: string[];

/** Resolves once `check` holds, polling the in-process state (no timing is asserted). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), `never: ${what}`);
}

const startGateway = (now?: () => number) =>
  startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {}, rollouts: { holder: 'gateway-0', tickEveryMs: 0, saveEveryMs: 0, now } });

test.before(async () => {
  cluster = await startCluster(ns, {}, {
    kubelet: {
      async start(pod: Obj) {
        const replica = await startReplica({ 'predict.py': code[pod.metadata.labels!['app.kubernetes.io/version']] }, 'predict.py', 'predict');
        replicas.set(pod.metadata.name, replica);
        return { port: replica.port };
      },
      // As the pod's preStop hook does: the container stops once the gateway no longer routes to it.
      async stop(pod: Obj) {
        const routed = () => {
          const route = gateway.discovery.routes().get('iris');
          return [...(route?.replicas ?? []), ...(route?.variants ?? []).flatMap((v) => v.replicas)].some((r) => r.id === pod.metadata.name);
        };
        await until(() => !routed(), `the gateway leaves ${pod.metadata.name}`);
        await replicas.get(pod.metadata.name)?.stop();
        replicas.delete(pod.metadata.name);
      },
    },
  });
  // The namespace's gateway, as `slipway install` leaves it: its Role says it can drive rollouts.
  cluster.fake.put('roles', ns, role as unknown as Obj);
  gateway = await startGateway();
  repo = gitFixture();
  repo.write('models.yaml', `version: 1\nproject: demo\ntargets:\n  dev: {backend: kubernetes, namespace: ${ns}, registry: registry.test/ml}\nmodels:\n  - name: iris\n    file: iris/predict.py\n    function: predict\n`);
  repo.write('iris/predict.py', 'def predict(x):\n    return x\n');
  repo.commitAll('models');
  const kubeconfig = path.join(repo.root, 'kubeconfig');
  writeKubeconfig(kubeconfig, cluster.fake);
  target = ['--target', 'dev', '--kubeconfig', kubeconfig];
});
test.after(async () => {
  await gateway.stop();
  await cluster.fake.close();
  for (const replica of replicas.values()) await replica.stop();
  repo.remove();
});

/** observe → plan → deploy each change with its examples as the gate, as `slipway apply` does. */
async function apply(desired: Spec, keysOf: BuildKeys): Promise<DeployResult[]> {
  const results: DeployResult[] = [];
  await cluster.backend.withLock(async () => {
    const p = plan(desired, keysOf, await cluster.backend.observe());
    for (const change of p.changes) {
      if (change.action === 'noop') continue;
      const m = change.desired!;
      const result = await cluster.backend.deploy(change, imageBuild(change.model, change.build!.number, keysOf), { gate: (call) => runExamples(m, call) });
      assert.equal(result.gate?.passed, true, 'the examples pass on every build');
      results.push(result);
    }
  });
  return results;
}

type Answer = { n: number; status: number; deployment: number; y: unknown };

/** `count` calls, `parallel` at a time, with inputs n = 3, 4, ...: each answer's status, the deployment that served it (from its ReplicaID) and y. */
async function calls(count: number, parallel = 2): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const n = 3 + next++;
      const response = await fetch(`${gateway.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { n } }) });
      const body = (await response.json()) as { ReplicaID?: string; response?: { y: unknown } };
      answers.push({ n, status: response.status, deployment: Number(/-d(\d+)-/.exec(body.ReplicaID ?? '')?.[1] ?? 0), y: body.response?.y });
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return answers;
}

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as { accessKey: string }).accessKey, 'base64').toString();
const annotations = () => cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations ?? {};
const route = () => gateway.discovery.routes().get('iris');
const replicasOf = (name: string) => (cluster.fake.get('deployments', ns, name)?.spec as { replicas: number } | undefined)?.replicas;
const record = (id: number) => cluster.fake.get('configmaps', ns, `slipway-iris-d${id}`)!;
const status = async () => {
  const run = await slipwayAsync(repo.root, ['status', ...target]);
  assert.is(run.status, 0, run.stderr);
  return run.stdout;
};
/** The requests made since `from` that the gateway's Role would refuse. */
const refusedSince = (from: number) => cluster.fake.requests.slice(from).filter((r) => !allowedBy(role.rules!, r)).map((r) => `${verbOf(r)?.verb} ${r.path}`);

test('a canary at 20 %: the gateway splits 400 calls by weight, none fails, and the Service keeps the live id', async () => {
  await apply(spec(iris()), buildKeys(1));
  assert.is(annotations()['slipway.dev/serving-deployment-id'], '1');
  const [started] = await apply(spec(iris(canary([20, 100]))), buildKeys(2));
  assert.equal([started!.deploymentId, started!.rollout], [2, { strategy: 'canary', weight: 20 }], 'the apply says it began as a canary');
  assert.is(annotations()['slipway.dev/serving-deployment-id'], '1', 'the live deployment still serves');
  assert.is(annotations()['slipway.dev/rollout-deployment-id'], '2');
  assert.is(annotations()['slipway.dev/rollout-role'], 'canary');
  assert.is(annotations()['slipway.dev/rollout-weight'], '20');
  assert.ok(annotations()['slipway.dev/rollout'].length < 16_384, 'the saved rollout is small');
  await until(() => route()?.variants?.[0]?.replicas.length === 2 && route()?.replicas.length === 2, 'the gateway routes to both deployments');
  assert.equal(route()!.variants!.map((v) => [v.role, v.deploymentId, v.build, v.weight]), [['canary', 2, 2, 20]]);
  assert.ok(gateway.rollouts.leading(), 'the one gateway replica drives rollouts');
  assert.is(gateway.rollouts.controller.status('iris')?.step, 0);
  // A second replica finds the Lease held: it routes by the Service's annotations and drives nothing.
  const follower = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {}, rollouts: { holder: 'gateway-1', tickEveryMs: 0, saveEveryMs: 0 } });
  try {
    assert.not.ok(follower.rollouts.leading());
    await until(() => follower.discovery.routes().get('iris')?.variants?.[0]?.replicas.length === 2, 'the follower routes the canary');
    assert.equal(follower.discovery.routes().get('iris')!.variants!.map((v) => [v.role, v.deploymentId, v.build, v.weight]), [['canary', 2, 2, 20]]);
    assert.is(follower.rollouts.controller.status('iris'), null, 'only the leader runs the controller');
  } finally {
    await follower.stop();
  }

  const answers = await calls(400);
  assert.equal(answers.filter((a) => a.status !== 200), [], '0 calls failed');
  assert.ok(answers.every((a) => (a.deployment === 1 || a.deployment === 2) && a.y === 2 * a.n), 'each answer from build 1 or 2, both doubling');
  // Binomial(400, 0.2): mean 80, sigma 8; 5 sigma either side.
  const share = answers.filter((a) => a.deployment === 2).length;
  assert.ok(share >= 40 && share <= 120, `the canary served ${share} of 400 calls`);
  const window = gateway.rollouts.controller.status('iris')!.comparison;
  assert.is(window.candidate.calls, share, 'the leader counted every canary call');
  assert.is(window.live.calls, 400 - share);

  // The deployment being rolled out is the applied one: the same models.yaml plans nothing.
  assert.is(plan(spec(iris(canary([20, 100]))), buildKeys(2), await cluster.backend.observe()).changes[0].action, 'noop');
  await gateway.rollouts.save();
  const text = await status();
  assert.match(text, 'iris  running  deployment #1  build #1');
  assert.match(text, 'canary #2  step 1/2 (20, 100)  weights: live #1 80 %, canary 20 %');
  assert.match(text, /next in \d+ s \(as saved at \d\d:\d\d:\d\d UTC\)\n/, 'status reads the copy saved on the Service, and says when');
  assert.match(text, `candidate: ${share} calls, errors 0.0 %`);
});

test('a newer apply supersedes the canary: its Deployment goes, its record fails and says why', async () => {
  await apply(spec(iris(canary([20, 100]))), buildKeys(3));
  assert.is(annotations()['slipway.dev/rollout-deployment-id'], '3');
  assert.is(cluster.fake.get('deployments', ns, 'slipway-iris-d2'), null);
  assert.is(record(2).metadata.labels!['slipway.dev/outcome'], 'failed');
  assert.match(record(2).metadata.annotations!['slipway.dev/rollout-result'], 'superseded by deployment #3');
  assert.match(cluster.logs.join('\n'), 'the canary of deployment #2 ended: superseded by deployment #3');
  assert.match(record(2).metadata.annotations!['slipway.dev/rollout-result'], 'canary ended: superseded by deployment #3 (a newer apply)');
  await until(() => route()?.variants?.[0]?.deploymentId === 3 && route()!.variants![0].replicas.length === 2, 'the gateway follows the new canary');
  assert.is(gateway.rollouts.controller.status('iris')?.candidateDeploymentId, 3);
});

test('a failing canary rolls back when its first step ends; then the live build serves every call and status says why', async () => {
  const during = await calls(200);
  const failed = during.filter((a) => a.status !== 200);
  assert.ok(failed.length > 0 && failed.every((a) => a.status === 500), 'the canary raised');
  assert.ok(during.filter((a) => a.deployment === 1).every((a) => a.status === 200));
  const from = cluster.fake.requests.length;
  const ended = await requestClusterRollout(cluster.backend.api, 'iris', 'step', { pollMs: 5 });
  assert.is(ended.outcome, 'rolled back');
  assert.match(ended.reason ?? '', 'canary at 20 % rolled back: error rate 100.0 %');
  await gateway.rollouts.idle();
  assert.equal(refusedSince(from), [], 'the gateway acted within its Role');
  assert.is(annotations()['slipway.dev/serving-deployment-id'], '1');
  assert.is(annotations()['slipway.dev/rollout-deployment-id'], undefined);
  assert.is(replicasOf('slipway-iris-d3'), 0);
  await until(() => route()?.variants === undefined, 'the variant left the route');

  const after = await calls(100);
  assert.equal(after.filter((a) => a.status !== 200 || a.deployment !== 1), [], 'the live build serves every call');
  const text = await status();
  assert.match(text, 'rolled back: canary at 20 % rolled back: error rate 100.0 %');
  // Observed before any apply wrote it: deployment #1 is the applied one again.
  assert.is((await cluster.backend.observe()).models[0].deployment?.id, 1);
});

test('a shadow: the live build answers every call, the comparison counts changed answers, and promote moves traffic', async () => {
  const [mirrored] = await apply(spec(iris(shadow)), buildKeys(4));
  assert.equal(mirrored!.rollout, { strategy: 'shadow' }, 'the apply says it began as a shadow');
  assert.match(record(3).metadata.annotations!['slipway.dev/rollout-result'], 'rolled back: canary at 20 %', 'the apply recorded the rollback');
  assert.is(record(3).metadata.labels!['slipway.dev/outcome'], 'failed');
  await until(() => route()?.variants?.[0]?.role === 'shadow' && route()!.variants![0].replicas.length === 2, 'the gateway mirrors to the shadow');
  const answers = await calls(60, 1);
  assert.equal(answers.filter((a) => a.status !== 200 || a.deployment !== 1), [], 'only the live build answers');
  assert.ok(answers.every((a) => a.y === 2 * a.n), 'with the live answers');
  await until(() => (gateway.rollouts.controller.status('iris')?.comparison.compared ?? 0) > 0, 'copies were compared');
  await gateway.rollouts.idle();
  const comparison = gateway.rollouts.controller.status('iris')!.comparison;
  assert.is(comparison.changed, comparison.compared, 'n * n differs from 2n for every n > 2');
  await gateway.rollouts.save();
  const shown = await status();
  const saved = /changed answers: (\d+) of (\d+) compared/.exec(shown);
  assert.ok(saved !== null && Number(saved[1]) > 0 && saved[1] === saved[2], 'status shows the saved comparison');
  assert.match(shown, new RegExp(`shadow #4  mirrors live #1: \\d+ copies answered of \\d+ live calls, ${gateway.gateway.shadowDropped('iris')} dropped under pressure`));

  const promoted = await slipwayAsync(repo.root, ['promote', 'iris', ...target]);
  assert.is(promoted.status, 0, promoted.stderr);
  assert.match(promoted.stdout, 'iris: deployment #4 promoted; deployment #1 drained and stopped');
  await gateway.rollouts.idle();
  assert.is(annotations()['slipway.dev/serving-deployment-id'], '4');
  assert.is(replicasOf('slipway-iris-d1'), 0);
  await until(() => route()?.deploymentId === 4 && route()!.replicas.length === 2 && route()!.variants === undefined, 'the gateway routes to deployment #4');
  const after = await calls(20);
  assert.equal(after.filter((a) => a.status !== 200 || a.deployment !== 4), []);
  assert.ok(after.every((a) => a.y === a.n * a.n), 'answered by build 4');
  assert.is(plan(spec(iris(shadow)), buildKeys(4), await cluster.backend.observe()).changes[0].action, 'noop');
});

test('a gateway restarted mid-rollout goes on at the same step and deadline', async () => {
  await apply(spec(iris(canary([10, 50, 100]))), buildKeys(5));
  await until(() => route()?.variants?.[0]?.deploymentId === 5 && route()!.variants![0].replicas.length === 2, 'the canary is routed');
  await calls(50);
  const stepped = await requestClusterRollout(cluster.backend.api, 'iris', 'step', { pollMs: 5 });
  assert.is(stepped.step, 1);
  assert.is(stepped.weight, 50);
  const before = gateway.rollouts.controller.status('iris')!;

  await gateway.stop();
  let t = before.nextAt - 1;
  gateway = await startGateway(() => t);
  const resumed = gateway.rollouts.controller.status('iris');
  assert.is(resumed?.outcome, 'running');
  assert.equal([resumed!.step, resumed!.weight, resumed!.nextAt, resumed!.startedAt], [1, 50, before.nextAt, before.startedAt]);
  await until(() => route()?.variants?.[0]?.weight === 50 && route()!.variants![0].replicas.length === 2, 'the new gateway routes 50 %');
  await gateway.rollouts.tick();
  assert.is(gateway.rollouts.controller.status('iris')?.step, 1, 'not due before its deadline');
  t = before.nextAt;
  await gateway.rollouts.tick();
  assert.is(gateway.rollouts.controller.status('iris')?.outcome, 'promoted', 'the last step (100 %) promotes');
  await gateway.rollouts.idle();
  assert.is(annotations()['slipway.dev/serving-deployment-id'], '5');
  assert.is(replicasOf('slipway-iris-d4'), 0);
});

test('when the leading replica stops, another takes the Lease and drives the rollout from the Service', async () => {
  await apply(spec(iris(canary([30, 100]))), buildKeys(6));
  const follower = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {}, rollouts: { holder: 'gateway-1', tickEveryMs: 0, saveEveryMs: 0, leaseSeconds: 1 } });
  assert.not.ok(follower.rollouts.leading(), 'gateway-0 holds the Lease');
  const leader = gateway;
  gateway = follower;
  await leader.stop();
  await until(() => follower.rollouts.leading(), 'gateway-1 takes the freed Lease');
  await follower.rollouts.idle();
  const driven = follower.rollouts.controller.status('iris');
  assert.equal([driven?.candidateDeploymentId, driven?.step, driven?.weight, driven?.outcome], [6, 0, 30, 'running']);
  assert.is((cluster.fake.get('leases', ns, 'slipway-rollout-leader')!.spec as { holderIdentity: string }).holderIdentity, 'gateway-1');

  // A stop ends the rollout as locally: the candidate stops, its record fails and says why.
  await cluster.backend.stop('iris');
  assert.is(annotations()['slipway.dev/rollout-deployment-id'], undefined);
  assert.is(replicasOf('slipway-iris-d6'), 0);
  assert.match(record(6).metadata.annotations!['slipway.dev/rollout-result'], 'canary ended: the model was stopped');
  await until(() => follower.rollouts.controller.status('iris')?.outcome === 'superseded', 'the driving gateway lets it go');
  await cluster.backend.delete('iris');
  await until(() => route() === undefined, 'the gateway drops the deleted model');
});

test.run();
