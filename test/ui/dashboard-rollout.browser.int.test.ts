// Rollouts on the dashboard in a real browser (Debian's chromium through playwright-core), against a
// real daemon running a canary of real Python replicas: the overview says which model is in rollout,
// the model page's panel shows the live and candidate builds, the current window, earlier steps and
// the next step; "Promote now" (admins only, CSRF-checked) promotes it through the admin API. Also
// the one deployments table, the CPU chart's empty state and "none requested". Screenshots go to
// test-results/. Steps are moved through the admin route `POST /admin/models/<m>/step`.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type Page } from 'playwright-core';
import { technicalCharts } from '../../src/ui/charts.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { adderStatus, adderYaml, addV, canary, load } from '../support/rollout-load.ts';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
const run = haveChromium ? test : test.skip;

let p: LocalProject;
let browser: Browser;
let apiKey: string;

test.before(async () => {
  if (!haveChromium) return;
  mkdirSync(shots, { recursive: true });
  p = await localProject({ 'models.yaml': adderYaml(canary), 'm/add.py': addV(1) });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  apiKey = await p.apiKey('--name', 'viewer');
  p.fx.write('m/add.py', addV(2));
  p.fx.commitAll('v2 as a canary');
  await p.ok('apply', '--yes');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
});

test.after(async () => {
  await browser?.close();
  await p?.cleanup();
});

async function logIn(secret: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${p.url}/login`);
  await page.getByLabel('API key or admin token').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  return page;
}

run('a canary on the overview and its panel on the model page; a viewer sees no action; an admin promotes it from the page', async () => {
  assert.equal((await load(p, apiKey, 4, 25)).failures, []);
  const step = await p.admin('POST', 'models/adder/step');
  assert.equal([step.body.outcome, step.body.weight], ['running', 50]);
  const during = await load(p, apiKey, 4, 25);
  assert.equal(during.failures, []);
  const status = (await adderStatus(p)).rollout;

  const page = await logIn(p.daemonFile()!.token);
  const row = page.locator('table.models tbody tr').filter({ hasText: 'adder' });
  assert.is(await row.locator('[data-rollout]').textContent(), 'canary 50 % (step 2/3)');
  assert.match(await page.locator('dl.totals').textContent() ?? '', /CPU\s*none requested\s*Memory\s*none requested\s*GPU\s*none requested/);
  await page.screenshot({ path: path.join(shots, 'overview-rollout.png'), fullPage: true });

  await page.getByRole('link', { name: 'adder' }).click();
  const panel = page.locator('#rollout');
  await panel.getByRole('heading', { name: 'Rollout in progress: canary' }).waitFor();
  assert.match(await panel.locator('dl').first().textContent() ?? '', /Live\s*deployment #1, build #1\s*Candidate\s*deployment #2, build #2/);
  assert.match(await panel.textContent() ?? '', 'step 2 of 3 (25, 50, 100 %): the canary serves 50 % of calls');
  const windowRows = await panel.locator('#rollout-window tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.equal(windowRows.map((r) => r.slice(0, 3)), [
    ['live #1', String(status.comparison.live.calls), '0'],
    ['canary #2', String(status.comparison.candidate.calls), '0'],
  ]);
  assert.is(status.comparison.live.calls + status.comparison.candidate.calls, 100, 'the calls since step 2 began');
  const earlier = await panel.locator('#rollout-earlier tbody tr td').allTextContents();
  assert.is(Number(earlier[0]) + Number(earlier[3]), 100, 'step 1 had the first 100 calls');
  assert.match(await panel.locator('#rollout-next').textContent() ?? '', /^Next: promotion at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in \d+ s\), if the policy holds\.$/);
  assert.is(await panel.locator('#rollout-next time').getAttribute('datetime'), new Date(status.nextAt).toISOString());
  await panel.screenshot({ path: path.join(shots, 'model-rollout.png') });

  // One deployments table: the candidate is there, being rolled out, with its settings, reason and examples.
  const history = await page.locator('#history tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.equal(history.map((r) => [r[0], r[6]]), [['#1', 'active'], ['#2', 'deploying']]);
  assert.match(history[1]![7]!, /^2 × \(cpu —, memory —, gpu 0\), concurrency 1, timeout 30 s/);
  assert.match(history[1]![8]!, /^rebuild: /);
  assert.is(history[1]![9], '1 of 1 passed');
  assert.is(await page.locator('section#history').count(), 1);
  assert.is(await page.getByRole('heading', { name: 'Deployments', exact: true }).count(), 0, 'no second deployments table');

  // A viewer with an API key sees the rollout, not the action; a forged or CSRF-less POST does nothing.
  const viewer = await logIn(apiKey);
  await viewer.goto(`${p.url}/ui/models/adder`);
  await viewer.locator('#rollout').waitFor();
  assert.is(await viewer.getByRole('button', { name: 'Promote now' }).count(), 0);
  const viewerSession = (await viewer.context().cookies()).find((c) => c.name === 'slipway_session')!.value;
  const viewerCsrf = (await viewer.locator('meta[name="csrf-token"]').getAttribute('content'))!;
  const post = (cookie: string, body: string) => fetch(`${p.url}/ui/models/adder/promote`, { method: 'POST', headers: { cookie: `slipway_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
  assert.is((await post(viewerSession, `csrf=${viewerCsrf}`)).status, 403, 'a viewer cannot promote');
  const adminSession = (await page.context().cookies()).find((c) => c.name === 'slipway_session')!.value;
  assert.is((await post(adminSession, 'csrf=guess')).status, 403, 'no promote without the CSRF token');
  assert.is((await adderStatus(p)).rollout.outcome, 'running', 'the refused promotes did nothing');

  // Promote now, while calls run: none fails, and the new build serves every call after.
  const calls = load(p, apiKey, 4, 40);
  await page.getByRole('button', { name: 'Promote now' }).click();
  await page.locator('#rollout[data-outcome="promoted"]').waitFor();
  assert.equal((await calls).failures, []);
  assert.match(await page.locator('#rollout-outcome').textContent() ?? '', 'promoted: promoted by hand');
  assert.is(await page.getByRole('button', { name: 'Promote now' }).count(), 0);
  assert.match(await page.locator('section', { hasText: 'Actions from the dashboard' }).locator('tbody').textContent() ?? '', /promote\s*deployment #2/);
  assert.is((await adderStatus(p)).deploymentId, 2);
  assert.equal([...(await load(p, apiKey, 2, 10)).byVersion], [[2, 20]]);
  await page.locator('#rollout').screenshot({ path: path.join(shots, 'model-rollout-promoted.png') });
  await page.goto(`${p.url}/`);
  assert.is(await page.locator('[data-rollout]').count(), 0, 'the overview says no rollout any more');
});

run('the CPU chart after one sample: axes drawn and "needs two samples"', async () => {
  const page = await logIn(p.daemonFile()!.token);
  // The first sample of a model has no CPU yet (it is measured between two): the route answers
  // what the daemon answers then, built by the same pure function from one stored row.
  const at = Date.now();
  const row = { model: 'adder', replica: '', step: 10, at, samples: 1, calls: 3, success: 3, failure: 0, error: 0, busy: 0, restarts: 0, requestBytes: 30, responseBytes: 60, p50: 1, p95: 2, p99: 2, cpu: null, rss: 2 ** 24 };
  await page.route('**/ui/api/models/adder/series*', (route) => route.fulfill({ json: { range: '1h', from: (at - 3_600_000) / 1000, to: at / 1000, charts: technicalCharts([row as never]) } }));
  await page.goto(`${p.url}/ui/models/adder`);
  const cpu = page.locator('figure[data-chart="cpu"]');
  await cpu.locator('canvas').first().waitFor();
  assert.is(await cpu.getAttribute('data-points'), '0');
  assert.match(await cpu.locator('p.hint').textContent() ?? '', 'needs two samples');
  assert.ok((await cpu.locator('.u-axis').count()) >= 2, 'both axes are drawn');
  assert.is(await page.locator('figure[data-chart="memory"] p.hint').count(), 0, 'a chart with its point says nothing');
  await cpu.screenshot({ path: path.join(shots, 'chart-cpu-first-sample.png') });
});

test.run();
