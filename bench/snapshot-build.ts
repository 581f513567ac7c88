// Benchmark (not a test): writing a 20,000-file build with the snapshot builder against `cp -r`
// of the same folder. Three builds: cold (an empty content store: git checks every file out), a
// rename (another model, same key: every file linked from the store), and one file changed (one
// file checked out, the rest linked). Goal (issue 16): ≤ 1.0× `cp -r`.
// Usage: node bench/snapshot-build.ts [--files 20000] [--write]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSnapshotBuilder } from '../src/build/snapshot-builder.ts';
import { computeBuildKeys } from '../src/source/build-keys.ts';
import { openRepo } from '../src/source/repo.ts';
import type { ModelSpec, Spec } from '../src/spec/types.ts';
import { machineLine } from './machine.ts';
import { argValue, report } from './support/results.ts';

const count = Number(argValue('--files') ?? 20_000);

function model(name: string): ModelSpec {
  return {
    name,
    description: '',
    file: 'big/predict.py',
    function: 'predict',
    runtime: 'python3',
    examples: [],
    state: 'running',
    position: { line: 1, column: 1 },
    build: { context: 'big', include: [], requirements: null, script: null, baseImage: null },
    serving: { replicas: 1, resources: { cpu: null, memory: null, gpu: 0 }, env: {}, concurrency: 1, timeoutSeconds: 30, busyTimeoutSeconds: 30, auth: true, maxRequestBytes: 5 << 20 },
  };
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-snapshot-'));
try {
  const root = path.join(dir, 'repo');
  mkdirSync(path.join(root, 'big'), { recursive: true });
  writeFileSync(path.join(root, '.gitignore'), '.slipway*/\n');
  writeFileSync(path.join(root, 'big', 'predict.py'), 'def predict(x):\n    return x\n');
  for (let i = 1; i < count; i++) {
    const folder = path.join(root, 'big', `pkg${Math.floor(i / 100)}`);
    if (i % 100 === 0 || i === 1) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `f${i}.py`), `# file ${i}\n${'x = 1\n'.repeat(1 + (i % 300))}`);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=b@slipway.dev', '-c', 'user.name=b', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '-q');
  // No background `gc --auto` after the commit of 20,000 loose objects: it would run during the timings.
  git('config', 'gc.auto', '0');
  git('add', '.');
  git('commit', '-qm', 'big');
  const repo = await openRepo(root);
  const spec = (models: ModelSpec[]): Spec => ({ root, file: 'models.yaml', version: 1, project: 'b', limits: { maxReplicas: 9, maxRequestBytes: 5 << 20 }, models });
  const keyFor = async (m: ModelSpec) => {
    const keys = await computeBuildKeys(repo, spec([m]));
    if (!keys.ok) throw new Error(JSON.stringify(keys.errors));
    return keys.keys[m.name]!;
  };
  const builder = createSnapshotBuilder({ stateDir: path.join(root, '.slipway') });
  const timedBuild = async (m: ModelSpec, number: number, using = builder) => {
    const key = await keyFor(m);
    const start = process.hrtime.bigint();
    const outcome = await using.build({ root, model: m, key, number });
    if (!outcome.ok) throw new Error(outcome.message);
    return ms(start);
  };

  execFileSync('sync');
  let start = process.hrtime.bigint();
  execFileSync('cp', ['-r', path.join(root, 'big'), path.join(dir, 'copy1')]);
  const cp = ms(start);
  const cold = await timedBuild(model('a'), 1);
  const renamed = await timedBuild(model('b'), 1);
  writeFileSync(path.join(root, 'big', 'pkg3', 'f300.py'), '# changed\n');
  const oneChanged = await timedBuild(model('a'), 2);
  start = process.hrtime.bigint();
  execFileSync('cp', ['-r', path.join(root, 'big'), path.join(dir, 'copy2')]);
  const cp2 = ms(start);
  // A clone's objects are packed; a fresh commit's are loose files, one inflate and open each.
  git('gc', '-q');
  const packedCold = await timedBuild(model('c'), 1, createSnapshotBuilder({ stateDir: path.join(root, '.slipway-packed') }));
  const cpBest = Math.min(cp, cp2);
  const row = (name: string, value: number) => `| ${name} | ${value.toFixed(0)} | ${(value / cpBest).toFixed(2)}× |`;
  report(
    [
      `### snapshot-build — ${new Date().toISOString().slice(0, 10)}`,
      '',
      machineLine(),
      '',
      `A build context of ${count} files (${count / 100} folders), committed. Snapshot builder time includes the interpreter probe; \`cp -r\` of the same folder is the better of two runs (${cp.toFixed(0)} / ${cp2.toFixed(0)} ms).`,
      '',
      '| build | ms | ÷ cp -r |',
      '|---|---:|---:|',
      row('cp -r big/ (reference)', cpBest),
      row('cold: empty content store, loose objects (fresh commit)', cold),
      row('cold: empty content store, packed objects (after git gc, as a clone)', packedCold),
      row('rename: another model, same key', renamed),
      row('one file changed', oneChanged),
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
