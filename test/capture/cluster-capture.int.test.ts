// Capture on a cluster: the in-cluster gateway (against the fake API server) routes real calls to
// a real Python replica, captures them as the `slipway-capture` ConfigMap says (sampled, redacted
// before they leave the gateway, never headers), and sends them to a real `slipway metrics-store`
// process (SQLite in a temp folder). `slipway capture export --target` reads them back through the
// API server's service proxy with the store's token from its Secret. Without a metrics store the
// gateway says once that capture needs one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigMap } from 'kubernetes-models/v1';
import { captureSettingsConfigMap, parseCaptureSettings, saveClusterCaptureSettings } from '../../src/backends/kubernetes/cluster-capture-settings.ts';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { slipwayAsync } from '../support/cli.ts';
import { startMetricsStoreProcess, type MetricsStoreProcess } from '../support/metrics-store-process.ts';
import { writeKubeconfig } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplica, type Replica } from '../runtime/replica-process.ts';
import { startCluster, step, type Cluster } from '../kubernetes/cluster-harness.ts';

const ns = 'serving';
let cluster: Cluster;
let replica: Replica;
let gateway: ClusterGateway;
let store: MetricsStoreProcess;
let dir: string;
let repo: GitFixture;
let kubeconfig: string;
const logs: string[] = [];

const python = `def predict(args):
    return {"y": args["x"] * 2, "owner": "owner-" + str(args.get("card"))}
`;

const captured = (m: ModelSpec): ModelSpec => ({ ...m, capture: { sample: 1, maxPerDay: 50, retentionDays: 3, redact: ['/card', '/owner'] } });

test.before(async () => {
  cluster = await startCluster(ns);
  const declared = spec(captured(model('iris', { serving: { replicas: 1, auth: false } })));
  await step(cluster.backend, declared, keys(['iris', inputs('iris')]));
  replica = await startReplica({ 'score.py': python }, 'score.py', 'predict');
  const name = 'slipway-iris-abc-1';
  cluster.fake.put('pods', ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/component': 'model', 'slipway.dev/model': 'iris', 'slipway.dev/deployment-id': '1' } } });
  cluster.fake.put('endpointslices', ns, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'slipway-iris-a', labels: { 'kubernetes.io/service-name': 'slipway-iris', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: replica.port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name, namespace: ns } }],
  });
  // The store as `slipway install` sets it up: its Secret, its Service, and the Service's endpoint.
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cluster-capture-'));
  store = await startMetricsStoreProcess(cluster.fake, ns, path.join(dir, 'metrics.db'));
  // What every apply writes for the gateways.
  await saveClusterCaptureSettings(cluster.backend.api, declared);
  gateway = await startClusterGateway({
    api: cluster.backend.api, port: 0, host: '127.0.0.1', log: (line) => logs.push(line),
    metricsStore: { url: store.url, token: store.token }, sampleEveryMs: 0, captureSettingsEveryMs: 0,
  });
  await gateway.capture.refresh();

  repo = gitFixture();
  repo.write('models.yaml', `version: 1
project: demo
targets:
  dev:
    backend: kubernetes
    namespace: ${ns}
    registry: registry.test/ml
  bare:
    backend: kubernetes
    namespace: bare
    registry: registry.test/ml
models:
  - name: iris
    file: models/iris/score.py
    function: predict
    capture: {sample: 1, redact: [/card, /owner]}
`);
  repo.write('models/iris/score.py', python);
  repo.commitAll('iris');
  kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), cluster.fake);
});

test.after(async () => {
  await gateway?.stop();
  await replica?.stop();
  await store?.stop();
  await cluster?.fake.close();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as any).accessKey, 'base64').toString();
const exportCaptures = (...args: string[]) => slipwayAsync(repo.root, ['capture', 'export', 'iris', ...args], { KUBECONFIG: kubeconfig });

test('calls through the in-cluster gateway are captured, redacted, in the metrics store; `capture export --target` prints them as JSONL', async () => {
  for (let i = 1; i <= 4; i++) {
    const answer = await fetch(`${gateway.url}/model`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer header-secret-never-stored' },
      body: JSON.stringify({ accessKey: accessKey(), request: { x: i, card: `4111-secret-${i}` } }),
    });
    assert.is(answer.status, 200);
    assert.equal(((await answer.json()) as { response: unknown }).response, { y: i * 2, owner: `owner-4111-secret-${i}` }, 'the client gets the whole answer');
  }
  await gateway.capture.flush();

  const run = await exportCaptures('--target', 'dev');
  assert.is(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.map((l) => l.request), [1, 2, 3, 4].map((x) => ({ x })));
  assert.equal(lines.map((l) => l.response), [1, 2, 3, 4].map((x) => ({ value: { y: x * 2 } })));
  for (const line of lines) {
    assert.equal([line.status, line.outcome, line.deployment, line.build], [200, 'success', 1, 1]);
    assert.ok(line.latencyMs > 0 && Date.parse(line.at) > 0);
  }
  const limited = await exportCaptures('--target', 'dev', '--limit', '2');
  assert.is(limited.stdout.trim().split('\n').length, 2);
  const later = await exportCaptures('--target', 'dev', '--since', '2999-01-01');
  assert.equal([later.status, later.stdout], [0, '']);
  assert.match(later.stderr, /no captured calls of iris since 2999-01-01/);

  // The store's file never held a redacted field or a header.
  const bytes = readdirSync(dir).filter((f) => f.startsWith('metrics.db')).map((f) => readFileSync(path.join(dir, f)).toString('latin1')).join('');
  assert.ok(bytes.includes('"x":3'), 'the captured calls are in the file');
  for (const leaked of ['4111-secret', 'owner-4111', 'header-secret']) assert.not.ok(bytes.includes(leaked), `${leaked} reached the store`);
});

test('a namespace without a metrics store: export says so; a gateway without one says once that capture needs it', async () => {
  const run = await exportCaptures('--target', 'bare');
  assert.is(run.status, 1);
  assert.match(run.stderr, /namespace bare has no metrics store .*`slipway install` sets one up/);
  assert.not.match(run.stderr, /at .*\.ts:\d+/, 'no stack trace');

  const said: string[] = [];
  const bare = await startClusterGateway({ api: cluster.backend.api, port: 0, host: '127.0.0.1', log: (line) => said.push(line), sampleEveryMs: 0, captureSettingsEveryMs: 0 });
  try {
    await bare.capture.refresh();
    await bare.capture.refresh();
    assert.equal(said.filter((l) => l.includes('capture')), [
      'capture is declared for iris, but captured calls are kept in the metrics store and this gateway has none: nothing is captured (`slipway install` sets one up)',
    ]);
  } finally {
    await bare.stop();
  }
});

test('the capture settings ConfigMap validates against the Kubernetes schema and holds only settings; hand-edited entries are left out and named', () => {
  const configMap = captureSettingsConfigMap(spec(captured(model('iris')), model('plain')), ns);
  new ConfigMap(JSON.parse(JSON.stringify(configMap))).validate();
  assert.equal(JSON.parse(configMap.data!['settings.json']!), { iris: { sample: 1, maxPerDay: 50, retentionDays: 3, redact: ['/card', '/owner'] } });
  assert.equal(parseCaptureSettings(configMap).settings.get('iris'), { sample: 1, maxPerDay: 50, retentionDays: 3, redact: ['/card', '/owner'] });
  const edited = { ...configMap, data: { 'settings.json': JSON.stringify({ iris: { sample: 2, maxPerDay: 1, retentionDays: 1, redact: [] }, ok: { sample: 0.1, maxPerDay: 5, retentionDays: 1, redact: ['/a'] } }) } };
  const parsed = parseCaptureSettings(edited);
  assert.equal([[...parsed.settings.keys()], parsed.invalid], [['ok'], ['iris']]);
  assert.equal(parseCaptureSettings(null), { settings: new Map(), invalid: [] }, 'no ConfigMap: nothing captured');
});

test.run();
