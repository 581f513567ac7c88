// On a cluster, CML's metrics SDK works through the metrics store: the in-cluster gateway (against
// the fake API server) sends each call's tracked metrics to a real store process (SQLite in a temp
// folder, HTTP on loopback), and answers read_metrics and track_delayed_metrics through it once the
// caller's API key is checked. The store's manifests validate against the Kubernetes schemas.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { withClusterApiKeys } from '../../src/backends/kubernetes/cluster-api-keys.ts';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import { metricsStoreService, metricsStoreStatefulSet } from '../../src/backends/kubernetes/metrics-store-manifests.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import type { MetricsBackend } from '../../src/metrics-store/metrics-backend.ts';
import { createMetricsStoreServer } from '../../src/metrics-store/metrics-store-server.ts';
import { openSqliteMetrics } from '../../src/metrics-store/sqlite-backend.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplicaPeer, type ReplicaPeer } from '../gateway/replica-peer.ts';
import { startCluster, step, type Cluster } from '../kubernetes/cluster-harness.ts';

const ns = 'serving';
let cluster: Cluster;
let peer: ReplicaPeer;
let gateway: ClusterGateway;
let backend: MetricsBackend;
let dir: string;
let storeServer: ReturnType<typeof createMetricsStoreServer>;
let apiKey: string;

test.before(async () => {
  cluster = await startCluster(ns);
  peer = await startReplicaPeer('slipway-iris-abc-1');
  await step(cluster.backend, spec(model('iris', { serving: { replicas: 1, auth: false } })), keys(['iris', inputs('iris')]));
  cluster.fake.put('pods', ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: peer.name, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/component': 'model', 'slipway.dev/model': 'iris', 'slipway.dev/deployment-id': '1' } } });
  cluster.fake.put('endpointslices', ns, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'slipway-iris-a', labels: { 'kubernetes.io/service-name': 'slipway-iris', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: Number(new URL(peer.origin).port), protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: peer.name, namespace: ns } }],
  });
  apiKey = (await withClusterApiKeys(cluster.backend.api, (store) => createApiKey(store, { name: 'sdk', models: ['iris'] }))).key;
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cluster-metrics-'));
  backend = openSqliteMetrics(path.join(dir, 'metrics.db'));
  storeServer = createMetricsStoreServer({ backend, token: 'store-token' });
  storeServer.listen(0, '127.0.0.1');
  await new Promise((r) => storeServer.once('listening', r));
  const storeUrl = `http://127.0.0.1:${(storeServer.address() as AddressInfo).port}`;
  gateway = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {}, metricsStore: { url: storeUrl, token: 'store-token' }, sampleEveryMs: 0 });
});

test.after(async () => {
  await gateway?.stop();
  await peer?.close();
  await cluster?.fake.close();
  storeServer?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as any).accessKey, 'base64').toString();

test('tracked metrics of a call reach the store; read_metrics and track_delayed_metrics work through the gateway with an API key', async () => {
  const call = await fetch(`${gateway.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { metrics: { score: 0.9 } } }) });
  assert.is(call.status, 200);
  const uuid = ((await call.json()) as { response: { uuid: string } }).response.uuid;
  assert.ok(uuid, 'a metrics-enabled answer carries a uuid');
  assert.equal(await backend.predictionOwner(uuid), { model: 'iris', deploymentId: 1 }, 'stored before the call was answered');

  const read = (key: string | null) =>
    fetch(`${gateway.url}/api/v1/metrics?modelCrn=crn:slipway:model/iris&startTimestampMs=0&endTimestampMs=${Date.now() + 1000}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  assert.is((await read(null)).status, 401, 'no API key');
  assert.is((await read('slw_' + 'x'.repeat(40))).status, 401, 'an unknown key');
  const first = (await (await read(apiKey)).json()) as { metrics: Array<{ predictionUuid: string; metrics: Record<string, unknown> }> };
  assert.equal(first.metrics.map((m) => [m.predictionUuid, m.metrics]), [[uuid, { score: 0.9 }]]);

  const delayed = (key: string | null, predictionUuid: string) => fetch(`${gateway.url}/api/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ type: 'delayed', predictionUuid, metrics: { actual: 1 } }),
  });
  assert.is((await delayed(null, uuid)).status, 401);
  assert.is((await delayed(apiKey, 'unknown-uuid')).status, 404);
  assert.is((await delayed(apiKey, uuid)).status, 200);
  const second = (await (await read(apiKey)).json()) as { metrics: Array<{ metrics: Record<string, unknown> }> };
  assert.equal(second.metrics[0]!.metrics, { score: 0.9, actual: 1 });
});

test('technical metrics: the gateway samples calls, latency and bytes per model and replica, with CPU and memory from the metrics API, into the store', async () => {
  const before = (await backend.readTech({ model: 'iris', step: 10, fromMs: 0 })).length;
  assert.is(before, 0, 'nothing sampled yet (the interval is off in this test)');
  // What metrics-server would report for the replica's pod: two containers, summed.
  await cluster.backend.api.create({
    apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: peer.name, namespace: ns },
    containers: [{ name: 'model', usage: { cpu: '250m', memory: '64Mi' } }, { name: 'sidecar', usage: { cpu: '5000000n', memory: '1024Ki' } }],
  } as never);
  for (let i = 0; i < 3; i++) {
    const call = await fetch(`${gateway.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { n: i } }) });
    assert.is(call.status, 200);
  }
  const T = Date.UTC(2026, 11, 1, 12, 0, 5);
  await gateway.sampling!.sampleNow(T);
  const [total] = await backend.readTech({ model: 'iris', step: 10, fromMs: 0 });
  // The earlier test's call counts too: the gateway's counters since it started.
  assert.is(total!.calls, 4);
  assert.is(total!.success, 4);
  assert.ok(total!.requestBytes > 0 && total!.responseBytes > 0, 'bytes');
  assert.ok(total!.p95 !== null && total!.p95 > 0, 'latency percentiles');
  const [replica] = await backend.readTech({ model: 'iris', replica: peer.name, step: 10, fromMs: 0 });
  assert.is(replica!.calls, 4);
  assert.is(replica!.cpu, 0.255);
  assert.is(replica!.rss, 65 * 1024 * 1024);
  assert.is(total!.cpu, 0.255, "the model's CPU: its replicas' summed");
  await gateway.sampling!.sampleNow(T + 10_000);
  const [minute] = await backend.readTech({ model: 'iris', step: 60, fromMs: 0 });
  assert.equal([minute!.at, minute!.samples, minute!.calls], [Date.UTC(2026, 11, 1, 12, 0, 0), 2, 4], 'a quiet 10 s adds a sample, no calls');
});

test("the store's StatefulSet (SQLite on a claim, or PostgreSQL from the Secret) and Service validate against the Kubernetes schemas", () => {
  const base = { project: 'p', namespace: ns, image: 'registry.example/slipway:1', imagePullSecret: null };
  const sqlite = metricsStoreStatefulSet({ ...base, storage: { kind: 'sqlite', size: '1Gi' } });
  new StatefulSet(JSON.parse(JSON.stringify(sqlite))).validate();
  assert.is(sqlite.spec!.replicas, 1);
  assert.is(sqlite.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage, '1Gi');
  assert.ok(sqlite.spec!.template.spec!.containers[0]!.command!.includes('--data'));
  const postgres = metricsStoreStatefulSet({ ...base, storage: { kind: 'postgres' } });
  new StatefulSet(JSON.parse(JSON.stringify(postgres))).validate();
  assert.is(postgres.spec!.volumeClaimTemplates, undefined);
  assert.equal(postgres.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]), [
    ['SLIPWAY_METRICS_STORE_TOKEN', 'token'], ['SLIPWAY_METRICS_POSTGRES_URL', 'postgres-url'],
  ]);
  new Service(JSON.parse(JSON.stringify(metricsStoreService({ ...base, storage: { kind: 'postgres' } })))).validate();
});

test.run();
