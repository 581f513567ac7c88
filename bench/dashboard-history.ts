// What "what was live when" costs the model page, against what `slipway history --json` does with
// the same records: a real SQLite store holding one model's 1,000 deployments (40 builds), read with
// `localHistory`; the page adds the `?at=` answer (`liveAt`) and the escaped table, the CLI prints
// the timeline as JSON. Both in this process, so only the work differs.
//
//   node bench/dashboard-history.ts [--write]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localHistory } from '../src/history/local-records.ts';
import { timeline } from '../src/history/timeline.ts';
import { finishBuild, insertBuild } from '../src/store/builds.ts';
import { openStore } from '../src/store/database.ts';
import { activateDeployment, insertDeployment } from '../src/store/deployments.ts';
import { historyView } from '../src/ui/history-view.ts';
import { renderHistory } from '../src/ui/pages/history-section.ts';
import { machineLine } from './machine.ts';
import { loadLine, median, report, today } from './support/results.ts';

const DEPLOYMENTS = 1000;
const BUILDS = 40;
const ROUNDS = 60;
const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-history-'));
const store = openStore(path.join(dir, 'state.db'));
const start = Date.parse('2026-01-01T00:00:00.000Z');
const inputs = { files: [{ path: 'm/add.py', blob: 'a'.repeat(40) }], requirements: null, script: null, file: 'm/add.py', function: 'add', runtime: 'python3', baseImage: null, defaultBaseImage: null, runtimeVersion: '1' };
const serving = { replicas: 2, resources: { cpu: '500m', memory: '512Mi', gpu: 0 }, env: { LOG_LEVEL: { value: 'info' } }, concurrency: 1, timeoutSeconds: 30, busyTimeoutSeconds: 30, auth: true, maxRequestBytes: 5 * 2 ** 20 };
for (let b = 0; b < BUILDS; b++) {
  const build = insertBuild(store, { model: 'iris', key: `${b}`.padStart(64, 'k'), inputs: inputs as never, gitCommit: `${b}`.padStart(40, 'c') }, new Date(start + b));
  finishBuild(store, 'iris', build.number, { status: 'succeeded' }, new Date(start + b));
}
for (let i = 0; i < DEPLOYMENTS; i++) {
  const at = new Date(start + i * 60_000);
  const id = insertDeployment(store, { model: 'iris', buildNumber: 1 + (i % BUILDS), serving: serving as never, servingHash: `h${i}`, state: 'running', actor: `user:dev${i % 7}`, gitCommit: `${i}`.padStart(40, 'f'), reason: 'bench' }, at);
  activateDeployment(store, id, new Date(at.getTime() + 5_000));
}
const atText = new Date(start + (DEPLOYMENTS / 2) * 60_000 + 30_000).toISOString().slice(0, 23);

function time(work: () => unknown): number[] {
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    work();
    ms.push(performance.now() - t);
  }
  return ms;
}

let pageBytes = 0;
const page = time(() => {
  const view = historyView(localHistory(store, 'iris'), atText);
  if (view.at?.ok !== true || view.at.live === null) throw new Error('the page did not answer the instant');
  pageBytes = renderHistory('iris', view).text.length;
});
const cli = time(() => JSON.stringify(timeline(localHistory(store, 'iris')), null, 2));
const read = time(() => localHistory(store, 'iris'));
store.close();
rmSync(dir, { recursive: true, force: true });

const row = (what: string, ms: number[]) => `| ${what} | ${median(ms).toFixed(2)} ms | ${Math.max(...ms).toFixed(2)} ms |`;
report(`## Dashboard model page: what was live when, ${DEPLOYMENTS} deployments (${today()})

${machineLine()}
${loadLine()}
\`node bench/dashboard-history.ts\`: one model with ${DEPLOYMENTS} deployments over ${BUILDS} builds in a real SQLite store, ${ROUNDS} rounds each, in one process.

| work | median | worst |
| --- | ---: | ---: |
${row('read the records (`localHistory`)', read)}
${row('peer: `slipway history --json` (read, timeline, JSON)', cli)}
${row(`the page's section (read, timeline, \`liveAt\`, escaped table: ${(pageBytes / 1024).toFixed(0)} KiB)`, page)}

The page's section costs ${(median(page) / median(cli)).toFixed(2)}× what the CLI's JSON does with the same records.`);
