// How fast the dashboard's overview of 50 models shows in a cold browser (Debian's chromium through
// playwright-core, a new context per load so nothing is cached): the page rendered from a real
// SQLite store holding a day of technical metrics for 50 models, served with the real stylesheet
// and script. The aim: under 300 ms.
//
//   node bench/dashboard-overview.ts [--write]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { openStore } from '../src/store/database.ts';
import { recentTotals, writeSamples } from '../src/store/tech-samples.ts';
import { renderOverview, type OverviewModel } from '../src/ui/pages/overview.ts';
import { machineLine } from './machine.ts';
import { loadLine, median, report, today } from './support/results.ts';

const MODELS = 50;
const LOADS = 15;
const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-ui-'));
const store = openStore(path.join(dir, 'state.db'));
const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(2, '0')}`);
const now = Date.now();
// A day of 10 s samples for every model (8,640 rounds would take a while; one per minute is enough
// for the 1 h totals the overview reads).
for (let t = now - 86_400_000; t <= now; t += 60_000) {
  writeSamples(store, t, names.map((model) => ({ model, replica: '', calls: 60, success: 59, failure: 1, error: 0, busy: 0, restarts: 0, requestBytes: 2400, responseBytes: 1200, cpu: 0.1, rss: 4e7 })), () => ({ p50: 2, p95: 9, p99: 20 }));
}

function overviewHtml(): string {
  const totals = recentTotals(store, Date.now() - 3_600_000);
  const models: OverviewModel[] = names.map((name, i) => ({
    name, state: 'running', build: 1 + (i % 4), deploymentId: i + 1, readyReplicas: 2, wantedReplicas: 2,
    callsLastHour: totals.get(name)?.calls ?? 0, failedLastHour: totals.get(name)?.failed ?? 0, p95Ms: totals.get(name)?.p95 ?? null,
    cpu: '500m', memory: '512Mi', gpu: 0,
  }));
  return renderOverview({ viewer: { label: 'admin token', admin: true, csrf: 'x' }, models });
}

const assets: Record<string, [string, string]> = {
  '/ui/assets/style.css': [path.resolve(import.meta.dirname, '../src/ui/assets/style.css'), 'text/css'],
  '/ui/assets/dashboard.js': [path.resolve(import.meta.dirname, '../src/ui/assets/dashboard.js'), 'text/javascript'],
};
const serverMs: number[] = [];
const server = createServer((req, res) => {
  const asset = assets[req.url ?? ''];
  if (asset) return void res.writeHead(200, { 'content-type': asset[1] }).end(readFileSync(asset[0]));
  const start = performance.now();
  const body = overviewHtml();
  serverMs.push(performance.now() - start);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
});
server.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const loads: number[] = [];
const paints: number[] = [];
for (let i = 0; i < LOADS; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const rows = await page.locator('table.models tbody tr').count();
  if (rows !== MODELS) throw new Error(`the overview shows ${rows} rows, not ${MODELS}`);
  // Runs in the page (the DOM's performance API; the project's types are Node's).
  const timing = await page.evaluate(() => {
    const perf = (globalThis as any).performance;
    const nav = perf.getEntriesByType('navigation')[0];
    const paint = perf.getEntriesByName('first-contentful-paint')[0];
    return { load: nav.loadEventEnd - nav.startTime, fcp: paint ? paint.startTime : NaN };
  });
  loads.push(timing.load);
  paints.push(timing.fcp);
  await context.close();
}
await browser.close();
server.close();
store.close();
rmSync(dir, { recursive: true, force: true });

report(`## Dashboard overview, 50 models, cold browser (${today()})

${machineLine()}
${loadLine()}
\`node bench/dashboard-overview.ts\`: Chromium (Debian, headless) through playwright-core, a new browser context per load (empty cache), ${LOADS} loads of the overview of ${MODELS} models, each rendered from a SQLite store holding a day of technical metrics per model.

| measure | median | worst |
| --- | ---: | ---: |
| server: read the last hour's totals and render | ${median(serverMs).toFixed(1)} ms | ${Math.max(...serverMs).toFixed(1)} ms |
| browser: first contentful paint | ${median(paints).toFixed(0)} ms | ${Math.max(...paints).toFixed(0)} ms |
| browser: navigation start to load event | ${median(loads).toFixed(0)} ms | ${Math.max(...loads).toFixed(0)} ms |

Aim (issue 10): the overview with 50 models in under 300 ms from a cold cache — ${median(loads) < 300 ? '**met**' : '**not met**'} (median load ${median(loads).toFixed(0)} ms).`);
