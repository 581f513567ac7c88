// The web dashboard in a real browser (Debian's chromium through playwright-core) against a real
// daemon serving the examples (and one CML metrics model): log in, the overview, a model's
// replicas, logs, test widget, charts and tracked metrics, keys created and revoked, stop and
// start; what was live when after a reconfigure, a rebuild and a rollback. A screenshot of each
// page goes to test-results/ for a person to look at.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type Page } from 'playwright-core';
import { localProject, type LocalProject } from '../support/local-daemon.ts';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const examples = path.resolve(import.meta.dirname, '..', '..', 'examples');

/** The examples folder's models and files, plus a model that tracks metrics (CML's SDK). */
export function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'github' && name !== '__pycache__') walk(full);
      } else files[path.relative(examples, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(examples);
  // A plain value that must never reach a page (only variable names are shown).
  files['models.yaml'] = files['models.yaml']!.replace('LOG_LEVEL: info', 'LOG_LEVEL: info\n      SECRET_PHRASE: pink-elephant-4471');
  files['models.yaml'] += `
  - name: scorer
    description: Tracks a metric per call with CML's SDK.
    file: scorer/predict.py
    function: predict
    auth: false
    example:
      input: {"x": 7}
`;
  files['scorer/predict.py'] = `import cdsw

@cdsw.model_metrics
def predict(args):
    cdsw.track_metric("input_x", args["x"])
    return {"y": args["x"] * 2}
`;
  return files;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Polls `check` (a real daemon samples every 10 s) until it is true or `ms` pass. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

let p: LocalProject;
let browser: Browser;
let page: Page;
let upRun: { stdout: string; stderr: string; status: number | null };

test.before(async () => {
  if (!haveChromium) return;
  mkdirSync(shots, { recursive: true });
  p = await localProject(exampleFiles());
  upRun = await p.cli('up', '-d', '--no-watch', '--port', String(p.port));
  if (upRun.status !== 0) throw new Error(`slipway up failed:\n${upRun.stdout}\n${upRun.stderr}`);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => void dialog.accept());
});

test.after(async () => {
  await browser?.close();
  await p?.cleanup();
});

const run = haveChromium ? test : test.skip;

run('log in with the admin token; every model is on the overview with its state and replicas', async () => {
  assert.match(upRun.stderr, `dashboard: ${p.url}/ (log in with the admin token`, 'slipway up prints the address');
  await page.goto(`${p.url}/`);
  assert.match(page.url(), /\/login\?next=/, 'no session: the overview sends to the login');
  await page.getByLabel('API key or admin token').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.match(await page.getByRole('alert').textContent() ?? '', 'neither an API key nor the admin token');
  await page.getByLabel('API key or admin token').fill(p.daemonFile()!.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  const rows = page.locator('table.models tbody tr');
  assert.equal(await rows.locator('th').allTextContents(), ['add-numbers', 'iris', 'iris-r', 'scorer']);
  const iris = await rows.filter({ hasText: 'iris' }).locator('td').allTextContents();
  assert.is(iris[0], 'running');
  assert.is(iris[3], '2 / 2');
  assert.match(await page.locator('dl.totals').textContent() ?? '', /Replicas\s*5/);
  await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });
});

run('a model page: replicas table, logs, the test widget answers, a chart has points after load', async () => {
  for (let i = 0; i < 20; i++) assert.is((await p.call('add-numbers', { a: i, b: 1 })).status, 200);
  // The daemon stores a sample every 10 s; the overview adds the calls since the last one.
  await page.reload();
  const addNumbers = await page.locator('table.models tbody tr').filter({ hasText: 'add-numbers' }).locator('td').allTextContents();
  assert.ok(Number(addNumbers[4]) >= 20, `calls in the last hour at once: ${addNumbers[4]}`);
  await page.getByRole('link', { name: 'add-numbers' }).click();
  await page.getByRole('heading', { name: /add-numbers/ }).first().waitFor();
  const replicaRows = page.locator('table.replicas tbody tr');
  assert.is(await replicaRows.count(), 1);
  const cells = await replicaRows.first().locator('td').allTextContents();
  assert.is(cells[0], 'ready');
  assert.ok(Number(cells[3]) >= 20, `received ${cells[3]}`);
  await page.locator('#log-lines li').first().waitFor();
  assert.ok((await page.locator('#log-lines li').count()) > 0);
  await page.getByLabel('Filter').fill('no line holds this text');
  await page.locator('#log-lines li', { hasText: 'No lines.' }).waitFor();
  await page.getByLabel('Filter').fill('');

  assert.is(await page.getByLabel('Request (JSON)').inputValue(), JSON.stringify({ a: 3, b: 5 }, null, 2), 'the example is prefilled');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#test-latency', { hasText: 'HTTP 200' }).waitFor();
  const answer = JSON.parse((await page.locator('#test-output').textContent())!);
  assert.is(answer.success, true);
  assert.is(answer.response, 8);

  await until(async () => {
    await page.reload();
    // A sample before the calls already gives the calls chart (zero) points: wait for latency too.
    const calls = page.locator('figure[data-chart="calls"]');
    await calls.waitFor();
    const latency = Number(await page.locator('figure[data-chart="latency"]').getAttribute('data-points'));
    return Number(await calls.getAttribute('data-points')) > 0 && latency > 0;
  }, 40_000, 'a sample with the calls');
  assert.ok((await page.locator('figure[data-chart="calls"] canvas').count()) > 0, 'uPlot drew the chart');
  assert.ok(Number(await page.locator('figure[data-chart="latency"]').getAttribute('data-points')) > 0, 'latency has points');
  await page.screenshot({ path: path.join(shots, 'model.png'), fullPage: true });
  await page.screenshot({ path: path.join(shots, 'model-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 860 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await page.locator('figure[data-chart="calls"] canvas').waitFor();
  await page.screenshot({ path: path.join(shots, 'model-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
});

run('tracked model metrics: a table and a chart per metric name, read through read_metrics', async () => {
  for (const x of [1, 2, 3]) assert.is((await p.call('scorer', { x })).status, 200);
  await page.goto(`${p.url}/ui/models/scorer`);
  await page.locator('#tracked-body table').first().waitFor();
  assert.match(await page.locator('#tracked-body caption').first().textContent() ?? '', 'input_x');
  assert.equal((await page.locator('#tracked-body tbody tr td.num').allTextContents()).slice(0, 3), ['3', '2', '1']);
  assert.is(await page.locator('#tracked-body figure').first().getAttribute('data-points'), '3', 'the three calls made; the examples ran on the new replicas before traffic moved (the gate), which is not model traffic');
  await page.screenshot({ path: path.join(shots, 'tracked-metrics.png'), fullPage: true });
});

run('keys: create one (shown once), call with it, revoke it from the page, and calls with it fail', async () => {
  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByLabel('Name').fill('browser-test');
  await page.getByRole('button', { name: 'Create' }).click();
  const key = (await page.locator('#created-key').textContent())!;
  assert.match(key, /^slw_/);
  assert.is((await p.call('iris', { petal_length: 5.4 }, key)).status, 200);
  await page.screenshot({ path: path.join(shots, 'keys.png'), fullPage: true });
  await page.goto(`${p.url}/ui/keys`);
  assert.not.match(await page.content(), key, 'a key is shown only once');
  const row = page.locator('tr', { hasText: 'browser-test' });
  assert.match(await row.textContent() ?? '', /active/);
  assert.match((await row.locator('td').nth(4).textContent())!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/, 'last used: the call just made');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr', { hasText: 'browser-test' }).locator('.state-revoked').waitFor();
  const refused = await p.call('iris', { petal_length: 5.4 }, key);
  assert.is(refused.status, 401, JSON.stringify(refused.body));
});

run('security: no session gets 401 or the login, a POST without the CSRF token is refused, no secret is in any page', async () => {
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'slipway_session')!;
  assert.ok(session.httpOnly, 'HttpOnly');
  assert.is(session.sameSite, 'Strict');
  const withSession = { cookie: `slipway_session=${session.value}` };
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${p.url}${url}`, { headers, redirect: 'manual' });

  for (const url of ['/', '/ui/keys', '/ui/models/iris']) {
    const answer = await get(url);
    assert.is(answer.status, 303, url);
    assert.match(answer.headers.get('location') ?? '', /^\/login/);
  }
  for (const url of ['/ui/api/models/iris/series', '/ui/api/models/iris/logs', '/ui/api/models/iris/tracked']) assert.is((await get(url)).status, 401, url);
  const forged = await fetch(`${p.url}/ui/models/iris/stop`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x', redirect: 'manual' });
  assert.is(forged.status, 401, 'no session');
  const noCsrf = await fetch(`${p.url}/ui/models/iris/stop`, { method: 'POST', headers: { ...withSession, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
  assert.is(noCsrf.status, 403, 'session but no CSRF token');
  const wrongCsrf = await fetch(`${p.url}/ui/keys`, { method: 'POST', headers: { ...withSession, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=guess&name=x', redirect: 'manual' });
  assert.is(wrongCsrf.status, 403, 'wrong CSRF token');
  const widgetNoCsrf = await fetch(`${p.url}/ui/models/iris/call`, { method: 'POST', headers: { ...withSession, 'content-type': 'application/json' }, body: '{"input":{}}' });
  assert.is(widgetNoCsrf.status, 403, 'the test widget needs the token too');
  assert.is((await p.status()).models.find((m) => m.model === 'iris')!.state, 'running', 'the refused stop did nothing');

  // Secrets: the admin token, the replicas' internal token, API keys, env values.
  const iris = (await p.status()).models.find((m) => m.model === 'iris')!;
  const environ = readFileSync(`/proc/${iris.replicaStats[0]!.pid}/environ`, 'utf8').split('\0');
  const internal = environ.find((e) => e.startsWith('SLIPWAY_API_KEY='))!.slice('SLIPWAY_API_KEY='.length);
  const apiKey = await p.apiKey('--name', 'secret-check');
  assert.is((await p.call('iris', { petal_length: 1 }, apiKey)).status, 200);
  const secrets = [p.daemonFile()!.token, internal, apiKey, 'pink-elephant-4471', apiKey.slice(12)];
  const pages = ['/', '/ui/keys', '/ui/models/iris', '/ui/models/add-numbers', '/ui/models/scorer', '/ui/api/models/iris/logs', '/ui/api/models/iris/series', '/ui/api/models/iris/tracked'];
  const accessKeys = Object.fromEntries(['iris', 'add-numbers', 'scorer'].map((m) => [m, p.accessKey(m)]));
  for (const url of pages) {
    const answer = await get(url, withSession);
    assert.is(answer.status, 200, url);
    const text = await answer.text();
    for (const secret of secrets) assert.not.ok(text.includes(secret), `${url} shows a secret`);
    for (const [model, key] of Object.entries(accessKeys)) {
      if (url !== `/ui/models/${model}`) assert.not.ok(text.includes(key), `${url} shows the access key of ${model}`);
    }
  }
  assert.ok((await (await get('/ui/models/iris', withSession)).text()).includes(accessKeys.iris!), "the model's own access key is on its page");
  assert.ok((await (await get('/ui/models/iris', withSession)).text()).includes('SECRET_PHRASE'), 'variables are shown by name');
});

run('stop and start a model from its page; each action is recorded with who did it', async () => {
  await page.goto(`${p.url}/ui/models/iris`);
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('h1 .state', { hasText: 'stopped' }).waitFor();
  const stopped = await p.call('iris', { petal_length: 5.4 }, await p.apiKey());
  assert.is(stopped.status, 503);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('h1 .state', { hasText: 'running' }).waitFor();
  const started = await p.call('iris', { petal_length: 5.4 }, await p.apiKey());
  assert.is(started.status, 200, JSON.stringify(started.body));
  const actions = await page.locator('section', { hasText: 'Actions from the dashboard' }).locator('tbody tr').allTextContents();
  assert.match(actions[0]!, /admin token.*start/);
  assert.match(actions[1]!, /admin token.*stop/);
  await page.screenshot({ path: path.join(shots, 'model-actions.png'), fullPage: true });
});

/** An instant now, as a `datetime-local` value in UTC with milliseconds (Chromium shortens them: `.340` reads `.34`). */
const instantNow = (): string => new Date().toISOString().slice(0, 23);

run('what was live when: after a reconfigure, a rebuild and a rollback, the timeline lists them in order and the "at" form answers', async () => {
  const created = instantNow();
  p.fx.write('models.yaml', readFileSync(path.join(p.root, 'models.yaml'), 'utf8').replace('function: add\n', 'function: add\n    replicas: 2\n'));
  p.fx.commitAll('add-numbers: two replicas');
  await p.ok('apply', '--yes');
  const reconfigured = instantNow();
  const code = readFileSync(path.join(p.root, 'add-numbers/add_numbers.py'), 'utf8');
  p.fx.write('add-numbers/add_numbers.py', `${code}\n# v2\n`);
  const v2 = p.fx.commitAll('add-numbers v2');
  await p.ok('apply', '--yes');
  p.fx.git('revert', '--no-edit', v2);
  const head = p.fx.git('rev-parse', 'HEAD');
  assert.match(await p.ok('apply', '--yes'), /add-numbers: rollback build #1/);

  await page.goto(`${p.url}/ui/models/add-numbers`);
  const rows = page.locator('#history tbody tr');
  const cells = async () => Promise.all((await rows.all()).map(async (r) => [await r.locator('th').textContent(), ...(await r.locator('td').allTextContents())]));
  const timeline = await cells();
  assert.is(timeline.length, 4, JSON.stringify(timeline));
  const ids = timeline.map((r) => Number(r[0]!.slice(1)));
  assert.equal([...ids].sort((a, b) => a - b), ids, 'oldest first');
  assert.equal(timeline.map((r) => [r[1], r[6]]), [['#1', 'superseded'], ['#1', 'superseded'], ['#2', 'superseded'], ['#1', 'active']], 'create, reconfigure, rebuild, rollback');
  assert.is(timeline[3]![2], head.slice(0, 10), 'the rollback carries its commit');
  for (const r of timeline) assert.match(r[3]!, /^(user|ci) /, 'who applied it, by kind');
  for (let i = 1; i < 4; i++) assert.is(timeline[i]![4], timeline[i - 1]![5], 'each serves from when the one before stopped');
  assert.is(timeline[3]![5], 'now');

  await page.getByLabel('Instant (UTC)').fill(reconfigured);
  await page.getByRole('button', { name: 'Which served then?' }).click();
  await page.locator('#live-at-answer').waitFor();
  assert.match(page.url(), /\?at=/);
  assert.match((await page.locator('#live-at-answer').textContent())!, `deployment #${ids[1]} served add-numbers: build #1`);
  assert.is(await page.locator('#history tr[aria-current="true"] th').textContent(), `#${ids[1]}`);
  const kept = await page.getByLabel('Instant (UTC)').inputValue();
  assert.is(Date.parse(`${kept}Z`), Date.parse(`${reconfigured}Z`), `the form keeps the instant: ${kept} for ${reconfigured}`);
  await page.getByLabel('Instant (UTC)').fill(created);
  await page.getByRole('button', { name: 'Which served then?' }).click();
  await page.locator('#live-at-answer', { hasText: `deployment #${ids[0]} ` }).waitFor();
  await page.locator('#history').screenshot({ path: path.join(shots, 'model-history.png') });
});

test.run();
