// The dashboard served by the in-cluster gateway, in a real browser: `slipway gateway --kubernetes`
// run as a process against the fake API server (a model deployed through the Kubernetes backend,
// its replica a test peer on loopback, its pod's CPU and memory as PodMetrics), with a real metrics
// store process on SQLite. Log in with an API key and with the admin token from the Secret's
// variable; the overview, a model's page (replicas, builds and deployments from the cluster's
// records, charts from the store once the gateway sampled, tracked metrics, the test widget, what
// was live when);
// read-only; every route needs a session. Screenshots go to test-results/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type Page } from 'playwright-core';
import { withClusterApiKeys } from '../../src/backends/kubernetes/cluster-api-keys.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { gatewayRole } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { writeKubeconfig } from '../support/fake-kube-apiserver.ts';
import { allowedBy, verbOf } from '../support/fake-kube-rbac.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplicaPeer, type ReplicaPeer } from '../gateway/replica-peer.ts';
import { startCluster, step, type Cluster } from '../kubernetes/cluster-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const ns = 'serving';
const ADMIN = 'dashboard-admin-token-8d1f0c2b';
const STORE_TOKEN = 'store-token-5e9a';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

/** Starts `slipway …args` and resolves with the process and the first match of `ready` in its stderr. */
function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; log: () => string }> {
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = ready.exec(stderr);
      if (match) resolve({ child, match, log: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`slipway ${args[0]} exited with ${code}:\n${stderr}`)));
  });
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let cluster: Cluster;
let peer: ReplicaPeer;
let dir: string;
let store: ChildProcess;
let gateway: ChildProcess;
let gatewayLog: () => string;
let url: string;
let apiKey: string;
let browser: Browser;
let page: Page;
/** The fake's requests before the gateway started (the test's own setup). */
let setupRequests = 0;

test.before(async () => {
  if (!haveChromium) return;
  mkdirSync(shots, { recursive: true });
  cluster = await startCluster(ns);
  peer = await startReplicaPeer('slipway-iris-abc-1');
  await step(cluster.backend, spec(model('iris', { serving: { replicas: 1, auth: true } })), keys(['iris', inputs('iris')]));
  // The pod behind the endpoint carries its deployment id: the gateway routes only to pods of the serving one.
  cluster.fake.put('pods', ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: peer.name, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/component': 'model', 'slipway.dev/model': 'iris', 'slipway.dev/deployment-id': '1' } } });
  cluster.fake.put('endpointslices', ns, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'slipway-iris-a', labels: { 'kubernetes.io/service-name': 'slipway-iris', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: Number(new URL(peer.origin).port), protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: peer.name, namespace: ns } }],
  });
  await cluster.backend.api.create({
    apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: peer.name, namespace: ns },
    containers: [{ name: 'model', usage: { cpu: '120m', memory: '80Mi' } }],
  } as never);
  apiKey = (await withClusterApiKeys(cluster.backend.api, (s) => createApiKey(s, { name: 'browser', models: ['iris'] }))).key;
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cluster-ui-'));
  const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), cluster.fake);
  const started = await startProcess(['metrics-store', '--data', path.join(dir, 'store', 'metrics.db'), '--port', '0', '--host', '127.0.0.1'], { SLIPWAY_METRICS_STORE_TOKEN: STORE_TOKEN }, /serving on [^:]+:(\d+)/);
  store = started.child;
  const storeUrl = `http://127.0.0.1:${started.match[1]}`;
  setupRequests = cluster.fake.requests.length;
  const gw = await startProcess(
    ['gateway', '--kubernetes', '--kubeconfig', kubeconfig, '-n', ns, '--port', '0', '--host', '127.0.0.1'],
    { SLIPWAY_METRICS_STORE_URL: storeUrl, SLIPWAY_METRICS_STORE_TOKEN: STORE_TOKEN, SLIPWAY_DASHBOARD_TOKEN: ADMIN },
    /on port (\d+)/,
  );
  gateway = gw.child;
  gatewayLog = gw.log;
  url = `http://127.0.0.1:${gw.match[1]}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

test.after(async () => {
  await browser?.close();
  for (const child of [gateway, store]) {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  await peer?.close();
  await cluster?.fake.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = haveChromium ? test : test.skip;

run('every dashboard route needs a session: pages send to the login, JSON routes answer 401', async () => {
  for (const p of ['/', '/ui/models/iris']) {
    const answer = await fetch(`${url}${p}`, { redirect: 'manual' });
    assert.is(answer.status, 303, p);
    assert.match(answer.headers.get('location') ?? '', /^\/login/);
  }
  for (const p of ['/ui/api/models/iris/series', '/ui/api/models/iris/tracked']) assert.is((await fetch(`${url}${p}`)).status, 401, p);
  const call = await fetch(`${url}/ui/models/iris/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":{}}' });
  assert.is(call.status, 401);
  assert.is((await fetch(`${url}/models/iris`, { method: 'POST', body: '{}' })).status, 401, 'the data plane still wants its API key');
});

run('log in with an API key: the overview, then a model page with replicas, records, charts from the store, and the test widget', async () => {
  await page.goto(`${url}/`);
  await page.getByLabel('API key or admin token').fill(apiKey);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  const rows = page.locator('table.models tbody tr');
  assert.equal(await rows.locator('th').allTextContents(), ['iris']);
  for (let i = 0; i < 5; i++) {
    const answer = await fetch(`${url}/models/iris`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) });
    assert.is(answer.status, 200);
  }
  await page.reload();
  const cells = await rows.first().locator('td').allTextContents();
  assert.is(cells[0], 'running');
  assert.is(cells[3], '1 / 1');
  assert.ok(Number(cells[4]) >= 5, `calls in the last hour at once: ${cells[4]}`);
  await page.screenshot({ path: path.join(shots, 'cluster-overview.png'), fullPage: true });

  await page.getByRole('link', { name: 'iris' }).click();
  await page.getByRole('heading', { name: /iris/ }).first().waitFor();
  assert.is(await page.getByRole('button', { name: 'Stop' }).count(), 0, 'read-only: no actions');
  const replica = await page.locator('table.replicas tbody tr').first().allTextContents();
  assert.match(replica[0]!, peer.name);
  const deployments = page.locator('section', { hasText: 'Deployments' }).locator('tbody tr');
  assert.is(await deployments.count(), 1);
  assert.match((await deployments.first().textContent())!, '#1');
  await page.locator('#log-lines li', { hasText: 'kubectl logs' }).waitFor();

  await page.getByLabel('Request (JSON)').fill('{"x": 41}');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#test-latency', { hasText: 'HTTP 200' }).waitFor();
  const answer = JSON.parse((await page.locator('#test-output').textContent())!);
  assert.equal(answer.response, { peer: peer.name, echo: { x: 41 } });

  // The gateway process samples every 10 s into the store: wait for a sample with the calls.
  await until(async () => {
    await page.reload();
    const latency = page.locator('figure[data-chart="latency"]');
    await latency.waitFor();
    return Number(await latency.getAttribute('data-points')) > 0 && Number(await page.locator('figure[data-chart="cpu"]').getAttribute('data-points')) > 0;
  }, 40_000, 'a sample with latency and CPU in the store');
  assert.ok(Number(await page.locator('figure[data-chart="calls"]').getAttribute('data-points')) > 0);
  await page.screenshot({ path: path.join(shots, 'cluster-model.png'), fullPage: true });
});

run('tracked metrics of a call show on the page, read from the store', async () => {
  const call = await fetch(`${url}/models/iris`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ metrics: { score: 0.75 } }) });
  assert.is(call.status, 200);
  await page.reload();
  await page.locator('#tracked-body table').first().waitFor();
  assert.match(await page.locator('#tracked-body caption').first().textContent() ?? '', 'score');
});

run("what was live when, from the cluster's records: the timeline and the \"at\" form", async () => {
  await page.goto(`${url}/ui/models/iris`);
  const row = await page.locator('#history tbody tr').all();
  assert.is(row.length, 1);
  assert.is(await row[0]!.locator('th').textContent(), '#1');
  const cells = await row[0]!.locator('td').allTextContents();
  assert.is(cells[0], '#1', 'build');
  assert.match(cells[3]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/, 'serving from when it was applied');
  assert.equal(cells.slice(4, 6), ['now', 'active']);
  assert.match(cells[6]!, /^1 × \(cpu 1, memory 1Gi, gpu 0\)/, 'serving settings, in the same table');
  assert.is(cells[7], 'create: new model');
  await page.getByLabel('Instant (UTC)').fill(new Date().toISOString().slice(0, 23));
  await page.getByRole('button', { name: 'Which served then?' }).click();
  await page.locator('#live-at-answer', { hasText: 'deployment #1 served iris: build #1' }).waitFor();
  await page.getByLabel('Instant (UTC)').fill('2020-01-01T00:00');
  await page.getByRole('button', { name: 'Which served then?' }).click();
  await page.locator('#live-at-answer', { hasText: 'Nothing of iris served at 2020-01-01 00:00:00Z.' }).waitFor();
});

run('the admin token from the Secret logs in too; a POST without the CSRF token is refused; no secret in any page', async () => {
  const context = await browser.newContext();
  const admin = await context.newPage();
  await admin.goto(`${url}/login`);
  await admin.getByLabel('API key or admin token').fill(ADMIN);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await admin.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  assert.is(await admin.getByRole('link', { name: 'Keys' }).count(), 0, 'no keys page on a cluster');
  const session = (await context.cookies()).find((c) => c.name === 'slipway_session')!;
  assert.ok(session.httpOnly);
  assert.is(session.sameSite, 'Strict');
  const headers = { cookie: `slipway_session=${session.value}` };
  const noCsrf = await fetch(`${url}/ui/models/iris/call`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"input":{}}' });
  assert.is(noCsrf.status, 403);
  for (const p of ['/', '/ui/models/iris', '/ui/api/models/iris/series', '/ui/api/models/iris/tracked']) {
    const answer = await fetch(`${url}${p}`, { headers });
    assert.is(answer.status, 200, p);
    const text = await answer.text();
    for (const secret of [ADMIN, STORE_TOKEN, apiKey]) assert.not.ok(text.includes(secret), `${p} shows a secret`);
  }
  await context.close();
  assert.not.match(gatewayLog(), 'dashboard error');
});

run("the gateway's Role allows every request the gateway made: records for the pages, PodMetrics for CPU and memory", () => {
  const role = gatewayRole({ project: 'p', namespace: ns, image: 'img', imagePullSecret: null, metricsStore: true } as never);
  const made = cluster.fake.requests.slice(setupRequests);
  assert.ok(made.some((r) => verbOf(r)?.resource === 'configmaps'), 'it read the records');
  assert.ok(made.some((r) => verbOf(r)?.group === 'metrics.k8s.io'), 'it read PodMetrics');
  assert.equal(made.filter((r) => !allowedBy(role.rules!, r)).map((r) => `${verbOf(r)?.verb} ${r.path}`), []);
});

test.run();
