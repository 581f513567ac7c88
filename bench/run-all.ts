// Runs every benchmark in turn, each in its own process (`npm run bench`). Benchmarks are scripts,
// not tests: nothing here passes or fails on timings; a benchmark fails only when it cannot run or,
// for redeploy-under-load, when calls failed.
//
//   node bench/run-all.ts [--write] [--only gateway-vs-peers,time-to-first-call]
//
// --write is passed on: each benchmark then appends its section to bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { argValue } from './support/results.ts';

const benchmarks = ['cli-start-up', 'plan-scale', 'gateway-vs-peers', 'proxy-floor', 'redeploy-under-load', 'time-to-first-call', 'sandbox-cost', 'r-runtime-vs-plumber', 'telemetry-cost', 'dashboard-overview', 'dashboard-history'];

const only = argValue('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = (only ?? []).filter((name) => !benchmarks.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${benchmarks.join(', ')}\n`);
  process.exit(2);
}
const passOn = process.argv.includes('--write') ? ['--write'] : [];
const failed: string[] = [];
for (const name of only ?? benchmarks) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const run = spawnSync(process.execPath, [path.join(import.meta.dirname, `${name}.ts`), ...passOn], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${name} (exit ${run.status ?? run.signal})`);
}
if (failed.length > 0) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
