// The overview in a real browser when the daemon follows a bare remote that does not exist: the
// follow line says the fetch is failing, with git's reason, and the daemon serves the page anyway.
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser } from 'playwright-core';
import { localProject, type LocalProject } from '../support/local-daemon.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
const run = haveChromium ? test : test.skip;

const modelsYaml = `version: 1
project: follow-ui
models:
  - name: doubler
    file: m/double.py
    function: predict
    example:
      input: {"x": 2}
      output: {"y": 4}
`;

let p: LocalProject | undefined;
let browser: Browser | undefined;
let base: string | undefined;

test.after(async () => {
  await browser?.close();
  await p?.cleanup();
  if (base) rmSync(base, { recursive: true, force: true });
});

run('a daemon following a remote that does not exist: the overview says "fetch FAILING" and why', async () => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'slipway-follow-ui-')));
  const missing = path.join(base, 'never-created.git');
  p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': 'def predict(args):\n    return {"y": args["x"] * 2}\n' });
  p.fx.git('remote', 'add', 'origin', missing);
  // An hour between fetches: no timer fires; the first fetch runs when following starts, and the
  // check waits for it (then backs off, or fetches again and fails).
  await p.ok('up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port));
  const check = await p.cli('follow', 'check');
  assert.match(check.stdout, /^(backing-off|fetch-failed)\n/, check.stdout + check.stderr);
  assert.match(check.stdout, 'fetch FAILING');

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const page = await browser.newPage();
  await page.goto(`${p.url}/login`);
  await page.getByLabel('API key or admin token').fill(p.daemonFile()!.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  const line = (await page.locator('p.follow').textContent())!;
  assert.match(line, /^following origin\/main: nothing applied yet; fetch FAILING \d+ in a row, next try \d{4}-\d\d-\d\dT/);
  assert.match(line, /: git fetch failed: \S/, "with git's reason");
  assert.match(await page.locator('table.models').textContent() ?? '', 'No model is deployed yet', 'nothing from the branch was applied');
});

test.run();
