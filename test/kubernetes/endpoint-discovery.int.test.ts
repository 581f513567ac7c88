// The in-cluster gateway finds replicas through EndpointSlices: a real gateway (src/gateway) fed by
// endpoint discovery against the fake API server routes calls to replica peers on loopback, follows
// readiness changes, and forgets a model whose Deployment is gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import { readyReplicas } from '../../src/backends/kubernetes/endpoint-discovery.ts';
import { withClusterApiKeys } from '../../src/backends/kubernetes/cluster-api-keys.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplicaPeer, type ReplicaPeer } from '../gateway/replica-peer.ts';
import { startCluster, step, type Cluster } from './cluster-harness.ts';

const ns = 'serving';
let cluster: Cluster;
let peers: ReplicaPeer[];
let gateway: ClusterGateway;

/** An EndpointSlice as the EndpointSlice controller writes it for one pod of the model's Service. */
function slice(name: string, pod: string, port: number, ready: boolean) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': 'slipway-iris', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready }, targetRef: { kind: 'Pod', name: pod, namespace: ns } }],
  };
}

/** The pod behind an endpoint, as the ReplicaSet controller makes it: labelled with its deployment id. */
function pod(name: string, deploymentId: number) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/component': 'model', 'slipway.dev/model': 'iris', 'slipway.dev/deployment-id': String(deploymentId) } } };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), 'the condition was never met');
}

async function callModel(accessKey: string, request: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey, request }) });
  return { status: response.status, body: await response.json() };
}

test.before(async () => {
  cluster = await startCluster(ns);
  peers = [await startReplicaPeer('slipway-iris-abc-1'), await startReplicaPeer('slipway-iris-abc-2')];
  const v1 = inputs('iris');
  await step(cluster.backend, spec(model('iris', { serving: { replicas: 2, auth: false, concurrency: 3 } })), keys(['iris', v1]));
  for (const peer of peers) cluster.fake.put('pods', ns, pod(peer.name, 1));
  cluster.fake.put('endpointslices', ns, slice('slipway-iris-a', peers[0].name, Number(new URL(peers[0].origin).port), true));
  gateway = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {} });
});
test.after(async () => {
  await gateway.stop();
  for (const peer of peers) await peer.close();
  await cluster.fake.close();
});

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as any).accessKey, 'base64').toString();

test('routes from the serving Deployment\'s annotation and the ready endpoints of its pods; a call with the access key answers', async () => {
  const route = gateway.discovery.routes().get('iris')!;
  assert.equal({ ...route, replicas: undefined }, {
    name: 'iris', deploymentId: 1, build: 1, state: 'running', auth: false, concurrency: 3,
    timeoutMs: 30000, busyTimeoutMs: 30000, maxRequestBytes: 5242880, replicas: undefined,
  });
  assert.equal(route.replicas, [{ id: peers[0].name, origin: peers[0].origin }]);
  const answer = await callModel(accessKey(), { x: 1 });
  assert.is(answer.status, 200);
  assert.equal(answer.body.response, { peer: peers[0].name, echo: { x: 1 } });
  assert.is(answer.body.ReplicaID, peers[0].name);
  assert.is((await callModel('not-a-key', { x: 1 })).status, 404);
  // Prometheus scrapes the in-cluster gateway too; replicas are named by their pods.
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  assert.match(metrics, `slipway_replica_calls_total{model="iris",replica="${peers[0].name}",outcome="success"} 1\n`);
  assert.match(metrics, 'slipway_call_duration_seconds_count{model="iris"} 1\n');
  // CML's metrics API has no store here: a clear 501, in the gateway's error shape.
  const read = await fetch(`${gateway.url}/api/v1/metrics?modelAccessKey=${accessKey()}`);
  assert.is(read.status, 501);
  const body = (await read.json()) as { success: boolean; errorCode: string; message: string };
  assert.equal([body.success, body.errorCode], [false, 'metrics.unavailable']);
  assert.match(body.message, 'work with the local daemon');
});

test('a new ready endpoint joins the route; an unready one leaves it', async () => {
  const port = Number(new URL(peers[1].origin).port);
  cluster.fake.put('endpointslices', ns, slice('slipway-iris-b', peers[1].name, port, true));
  await until(() => gateway.discovery.routes().get('iris')!.replicas.length === 2);
  cluster.fake.edit('endpointslices', ns, 'slipway-iris-a', { endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: peers[0].name } }] });
  await until(() => gateway.discovery.routes().get('iris')!.replicas.length === 1);
  assert.equal(gateway.discovery.routes().get('iris')!.replicas, [{ id: peers[1].name, origin: peers[1].origin }]);
  const answer = await callModel(accessKey(), { y: 2 });
  assert.equal(answer.body.response.peer, peers[1].name);
});

test('a redeploy changes the route settings (deployment id, concurrency) and leaves the pods of the previous one', async () => {
  await step(cluster.backend, spec(model('iris', { serving: { replicas: 2, auth: false, concurrency: 1 } })), keys(['iris', inputs('iris')]));
  await until(() => gateway.discovery.routes().get('iris')!.deploymentId === 2);
  assert.is(gateway.discovery.routes().get('iris')!.concurrency, 1);
  assert.equal(gateway.discovery.routes().get('iris')!.replicas, [], 'the ready endpoint is a pod of deployment #1');
});

test('an endpoint whose pod is unknown or of another deployment is never routed to', async () => {
  cluster.fake.put('pods', ns, pod('slipway-iris-d2-x-1', 2));
  const port = Number(new URL(peers[0].origin).port);
  cluster.fake.put('endpointslices', ns, slice('slipway-iris-c', 'slipway-iris-d2-x-1', port, true));
  cluster.fake.put('endpointslices', ns, slice('slipway-iris-d', 'no-such-pod', port, true));
  await until(() => gateway.discovery.routes().get('iris')!.replicas.length === 1);
  assert.equal(gateway.discovery.routes().get('iris')!.replicas.map((r) => r.id), ['slipway-iris-d2-x-1']);
});

test('GET /openapi.json on the in-cluster gateway needs an API key, then describes the served model', async () => {
  const refused = await fetch(`${gateway.url}/openapi.json`);
  assert.is(refused.status, 401);
  assert.is(((await refused.json()) as { errorCode: string }).errorCode, 'auth.missing');
  const { key } = await withClusterApiKeys(cluster.backend.api, (records) => createApiKey(records, { name: 'docs' }));
  await until(() => gateway.discovery.keyring().verifyApiKey(key, 'iris') === 'ok');
  const answer = await fetch(`${gateway.url}/openapi.json`, { headers: { authorization: `Bearer ${key}` } });
  assert.is(answer.status, 200);
  const doc = (await answer.json()) as { openapi: string; paths: Record<string, unknown> };
  assert.is(doc.openapi, '3.1.0');
  assert.equal(Object.keys(doc.paths), ['/models/iris', '/model']);
});

test('a deleted model is forgotten: 404', async () => {
  const key = accessKey();
  await step(cluster.backend, spec(), {});
  await until(() => !gateway.discovery.routes().has('iris'));
  assert.is((await callModel(key, { z: 3 })).status, 404);
});

test('readyReplicas: nil ready means ready, terminating never, IPv6 bracketed, pod name as id', () => {
  const replicas = readyReplicas({
    addressType: 'IPv6',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [
      { addresses: ['fd00::1'], targetRef: { name: 'p1' } },
      { addresses: ['fd00::2'], conditions: { ready: true, terminating: true }, targetRef: { name: 'p2' } },
      { addresses: ['fd00::3'], conditions: { ready: true } },
    ],
  });
  assert.equal(replicas, [{ id: 'p1', origin: 'http://[fd00::1]:8080' }, { id: 'fd00::3:8080', origin: 'http://[fd00::3]:8080' }]);
});

test.run();
