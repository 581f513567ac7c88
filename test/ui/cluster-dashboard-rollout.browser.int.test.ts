// Rollouts on the in-cluster dashboard, in a real browser: two in-process gateway replicas against
// the fake API server (real Python replicas started by its kubelet, a real metrics store process),
// one driving the canary (it holds the rollout Lease), one following. The overview's badge; the
// model page's panel, live from the leader's controller there and "as saved" on the follower;
// "Promote now" for the admin token only (an API key's POST is 403), carried out through the
// request annotation the leader acts on; many concurrent page loads share one read of the cluster;
// the gateways' Role allows every request they made; then a shadow's compared and changed answers.
// Screenshots go to test-results/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startClusterGateway, type ClusterGateway } from '../../src/backends/kubernetes/cluster-gateway.ts';
import { withClusterApiKeys } from '../../src/backends/kubernetes/cluster-api-keys.ts';
import { gatewayRole } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import type { ModelSpec, RolloutPolicy } from '../../src/spec/types.ts';
import type { Obj } from '../support/fake-kube-apiserver-store.ts';
import { allowedBy, verbOf } from '../support/fake-kube-rbac.ts';
import { startMetricsStoreProcess, type MetricsStoreProcess } from '../support/metrics-store-process.ts';
import { inputs, keys, model, spec } from '../plan/factories.ts';
import { startReplica, type Replica } from '../runtime/replica-process.ts';
import { startCluster, step, type Cluster } from '../kubernetes/cluster-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const ns = 'dash-rollouts';
const ADMIN = 'dashboard-admin-token-3c7e9a10';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

// Build 1 doubles, build 2 adds n to itself: the same answers, told apart by the deployment id.
const code: Record<string, string> = {
  1: 'def predict(x):\n    return {"y": x["n"] * 2}\n',
  2: 'def predict(x):\n    return {"y": x["n"] + x["n"]}\n',
  // Agrees with the others on n = 0 and n = 2 (the example) only.
  3: 'def predict(x):\n    return {"y": x["n"] * x["n"]}\n',
};
const shadow: RolloutPolicy = { strategy: 'shadow', durationMs: 3_600_000, maxErrorRate: 0.5, maxP95Ms: null };
const canary: RolloutPolicy = { strategy: 'canary', steps: [20, 100], intervalMs: 3_600_000, maxErrorRate: 0.5, maxP95Ms: null };
const iris = (rolloutPolicy?: RolloutPolicy): ModelSpec => ({
  ...model('iris', { serving: { replicas: 1, auth: false } }),
  examples: [{ input: { n: 2 }, output: { y: 4 } }],
  ...(rolloutPolicy ? { rolloutPolicy } : {}),
});
const buildKeys = (n: number) => keys(['iris', inputs('iris', { 'models/iris/predict.py': `blob-${n}` })]);
const role = gatewayRole({ project: 'demo', namespace: ns, image: 'i', replicas: 2, serviceType: 'ClusterIP', imagePullSecret: null, metricsStore: true } as never);

const replicas = new Map<string, Replica>();
let cluster: Cluster;
let store: MetricsStoreProcess;
let leader: ClusterGateway;
let follower: ClusterGateway;
let dir: string;
let apiKey: string;
let browser: Browser;
/** The fake's requests before the gateways started (the test's own applies). */
let setupRequests = 0;

const gatewayOn = (holder: string) => startClusterGateway({
  api: cluster.backend.api, port: 0, host: '127.0.0.1', log: () => {}, metricsStore: { url: store.url, token: store.token },
  sampleEveryMs: 0, captureSettingsEveryMs: 0, dashboardAdminToken: ADMIN, rollouts: { holder, tickEveryMs: 0, saveEveryMs: 0 },
});

test.before(async () => {
  if (!haveChromium) return;
  mkdirSync(shots, { recursive: true });
  cluster = await startCluster(ns, {}, {
    kubelet: {
      async start(pod: Obj) {
        const replica = await startReplica({ 'predict.py': code[pod.metadata.labels!['app.kubernetes.io/version']]! }, 'predict.py', 'predict');
        replicas.set(pod.metadata.name, replica);
        return { port: replica.port };
      },
      async stop(pod: Obj) {
        await replicas.get(pod.metadata.name)?.stop();
        replicas.delete(pod.metadata.name);
      },
    },
  });
  // The namespace's gateway, as `slipway install` leaves it: its Role says it can drive rollouts.
  cluster.fake.put('roles', ns, role as unknown as Obj);
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cluster-rollout-ui-'));
  store = await startMetricsStoreProcess(cluster.fake, ns, path.join(dir, 'metrics.db'));
  await step(cluster.backend, spec(iris()), buildKeys(1));
  await step(cluster.backend, spec(iris(canary)), buildKeys(2));
  apiKey = (await withClusterApiKeys(cluster.backend.api, (s) => createApiKey(s, { name: 'viewer', models: ['iris'] }))).key;
  setupRequests = cluster.fake.requests.length;
  leader = await gatewayOn('gateway-0');
  follower = await gatewayOn('gateway-1');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
});

test.after(async () => {
  await browser?.close();
  await follower?.stop();
  await leader?.stop();
  await store?.stop();
  for (const replica of replicas.values()) await replica.stop();
  await cluster?.fake.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = haveChromium ? test : test.skip;

/** A logged-in page on `gateway` with `secret` (the admin token or an API key); confirmations accepted. */
async function loggedIn(gateway: ClusterGateway, secret: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${gateway.url}/login`);
  await page.getByLabel('API key or admin token').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  return { context, page };
}

/** Resolves once `check` holds, polling in-process state (no timing is asserted). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), `never: ${what}`);
}

const accessKey = () => Buffer.from((cluster.fake.get('secrets', ns, 'slipway-iris-access-key')!.data as { accessKey: string }).accessKey, 'base64').toString();
const windowRows = async (page: Page) => (await page.locator('#rollout-window tbody tr').all()).map((r) => r.locator('th, td').allTextContents());
// Sampling and capture settings are off, discovery watches: every list call now is a page's.
const listsSince = (from: number) => cluster.fake.requests.slice(from).filter((r) => verbOf(r)?.verb === 'list');

run('many concurrent page loads share one read of the cluster (one set of list calls)', async () => {
  // Logged in to a JSON route, so that no page has read the cluster on this replica yet.
  const context = await browser.newContext();
  const login = await context.newPage();
  await login.goto(`${follower.url}/login?next=${encodeURIComponent('/ui/api/models/iris/logs')}`);
  await login.getByLabel('API key or admin token').fill(ADMIN);
  await login.getByRole('button', { name: 'Log in' }).click();
  await login.waitForURL(/\/ui\/api\/models\/iris\/logs$/);
  const session = (await context.cookies()).find((c) => c.name === 'slipway_session')!;
  const before = cluster.fake.requests.length;
  const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${follower.url}${i % 2 ? '/' : '/ui/models/iris'}`, { headers: { cookie: `slipway_session=${session.value}` } })));
  assert.equal(pages.map((p) => p.status), Array(12).fill(200));
  const lists = listsSince(before).map((r) => `${verbOf(r)!.resource} ${r.query.labelSelector ?? ''}`);
  // readClusterState lists history and build ConfigMaps, build-record parts, Deployments and Services: once each.
  assert.ok(lists.length > 0, 'the pages read the cluster');
  assert.equal(lists, [...new Set(lists)], `each list once, not per page: ${lists.join(', ')}`);
  await context.close();
});

run("the overview's badge, and the leader's page: the canary's live window from its own controller", async () => {
  const calls = await Promise.all(Array.from({ length: 40 }, (_, n) => fetch(`${leader.url}/model`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { n } }),
  })));
  assert.equal(calls.filter((c) => c.status !== 200).length, 0);
  const { context, page } = await loggedIn(leader, ADMIN);
  assert.is(await page.locator('table.models tbody tr', { hasText: 'iris' }).locator('[data-rollout]').textContent(), 'canary 20 % (step 1/2)');
  await page.screenshot({ path: path.join(shots, 'cluster-rollout-overview.png'), fullPage: true });
  await page.getByRole('link', { name: 'iris' }).click();
  await page.getByRole('heading', { name: 'Rollout in progress: canary' }).waitFor();
  assert.match(await page.locator('#rollout').textContent() ?? '', 'deployment #1, build #1');
  assert.match(await page.locator('#rollout').textContent() ?? '', 'deployment #2, build #2');
  assert.match(await page.locator('#rollout-next').textContent() ?? '', 'Next: promotion at');
  const rows = await Promise.all(await windowRows(page));
  assert.equal(rows.map((r) => r[0]), ['live #1', 'canary #2']);
  assert.is(Number(rows[0]![1]) + Number(rows[1]![1]), 40, 'every call counted, from the controller (nothing was saved since the start)');
  assert.is(await page.locator('#rollout-saved').count(), 0, 'the live state, not a saved copy');
  await page.screenshot({ path: path.join(shots, 'cluster-rollout-model.png'), fullPage: true });
  await context.close();
});

run('the follower shows the copy saved on the Service, saying when; an API key sees no Promote now and its POST is 403', async () => {
  const { context, page } = await loggedIn(follower, apiKey);
  await page.goto(`${follower.url}/ui/models/iris`);
  await page.getByRole('heading', { name: 'Rollout in progress: canary' }).waitFor();
  const rows = await Promise.all(await windowRows(page));
  assert.equal(rows.map((r) => r[1]), ['0', '0'], 'as saved when the apply started it');
  assert.match(await page.locator('#rollout-saved').textContent() ?? '', /^\(as saved at \d\d:\d\d:\d\d UTC\)$/);
  assert.is(await page.getByRole('button', { name: 'Promote now' }).count(), 0);
  const session = (await context.cookies()).find((c) => c.name === 'slipway_session')!;
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const refused = await fetch(`${follower.url}/ui/models/iris/promote`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: `slipway_session=${session.value}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}`,
  });
  assert.equal([refused.status, ((await refused.json()) as { error: string }).error], [403, 'only the admin token can promote a rollout']);
  assert.is(cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations!['slipway.dev/rollout-request'], undefined, 'nothing asked');
  await context.close();
});

run('Promote now on the follower: the leader promotes through the request annotation; the page shows the outcome', async () => {
  const { context, page } = await loggedIn(follower, ADMIN);
  await page.goto(`${follower.url}/ui/models/iris`);
  const noCsrf = await fetch(`${follower.url}/ui/models/iris/promote`, {
    method: 'POST', redirect: 'manual', headers: { cookie: `slipway_session=${(await context.cookies()).find((c) => c.name === 'slipway_session')!.value}` },
  });
  assert.is(noCsrf.status, 403, 'CSRF as the other actions');
  await page.getByRole('button', { name: 'Promote now' }).click();
  await page.getByRole('heading', { name: 'Last rollout: canary' }).waitFor();
  assert.match(await page.locator('#rollout-outcome').textContent() ?? '', 'promoted: promoted by hand');
  assert.is(await page.getByRole('button', { name: 'Promote now' }).count(), 0);
  const annotations = cluster.fake.get('services', ns, 'slipway-iris')!.metadata.annotations!;
  assert.is(annotations['slipway.dev/serving-deployment-id'], '2');
  assert.is(annotations['slipway.dev/rollout'], undefined);
  await page.screenshot({ path: path.join(shots, 'cluster-rollout-promoted.png'), fullPage: true });
  await context.close();
});

run("the gateways' Role allows every request they made: reads for the pages, the promote request, the leader's writes", () => {
  const made = cluster.fake.requests.slice(setupRequests);
  assert.ok(made.some((r) => verbOf(r)?.verb === 'patch' && verbOf(r)?.resource === 'services'), 'they patched the Service');
  assert.equal(made.filter((r) => !allowedBy(role.rules!, r)).map((r) => `${verbOf(r)?.verb} ${r.path}`), []);
});

run("a shadow on the leader's page: copies compared and changed answers, none dropped; the follower's saved copy", async () => {
  await step(cluster.backend, spec(iris(shadow)), buildKeys(3));
  const status = () => leader.rollouts.controller.status('iris');
  await until(() => status()?.strategy === 'shadow' && status()?.outcome === 'running' && leader.discovery.routes().get('iris')?.variants?.[0]?.replicas.length === 1, 'the leader drives the shadow and routes copies');
  // One call at a time, each copy answered before the next call, so the shadow is never busy.
  for (let n = 0; n < 10; n++) {
    const answer = await fetch(`${leader.url}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKey: accessKey(), request: { n } }) });
    assert.equal(((await answer.json()) as { response: unknown }).response, { y: 2 * n }, 'the live build answers');
    await until(() => status()?.comparison.compared === n + 1, `copy ${n + 1} compared`);
  }
  const { context, page } = await loggedIn(leader, ADMIN);
  assert.is(await page.locator('table.models tbody tr', { hasText: 'iris' }).locator('[data-rollout]').textContent(), 'shadow');
  await page.goto(`${leader.url}/ui/models/iris`);
  await page.getByRole('heading', { name: 'Rollout in progress: shadow' }).waitFor();
  const facts = async (p: Page) => Object.fromEntries(await Promise.all((await p.locator('#rollout-shadow > div').all()).map(async (d) => [await d.locator('dt').textContent(), await d.locator('dd').textContent()])));
  const shown = await facts(page);
  assert.is(shown['Answers compared'], '10');
  assert.is(shown['Answers changed'], '8 (80.0 %)', 'n = 0 and n = 2 agree');
  assert.match(shown['Copies dropped']!, /^0 /);
  assert.equal((await Promise.all(await windowRows(page))).map((r) => r.slice(0, 2)), [['live #2', '10'], ['shadow #3', '10']]);
  await page.screenshot({ path: path.join(shots, 'cluster-rollout-shadow.png'), fullPage: true });
  await context.close();
  // The follower's watch saw the Service change (its routes carry the shadow), which also tells its
  // dashboard to read the cluster again rather than serve its 2 s shared read.
  await until(() => follower.discovery.routes().get('iris')?.variants?.length === 1, 'the follower routes the shadow too');
  const other = await loggedIn(follower, ADMIN);
  await other.page.goto(`${follower.url}/ui/models/iris`);
  await other.page.getByRole('heading', { name: 'Rollout in progress: shadow' }).waitFor();
  assert.is((await facts(other.page))['Answers compared'], '0', 'as saved when the apply started it');
  assert.is(await other.page.locator('#rollout-saved').count(), 1);
  await other.context.close();
});

test.run();
