// Benchmark (not a test): writing a 20,000-file build with the snapshot builder against `cp -r`
// of the same folder. Three builds: cold (an empty content store: git checks every file out), a
// rename (another model, same key: every file linked from the store), and one file changed (one
// file checked out, the rest linked). Goal (issue 16): ≤ 1.0× `cp -r`.
// Usage: node bench/snapshot-build.ts [--files 20000] [--write]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * CPU time (ms) of this process and of the children it waited for (git, cp), from /proc/self/stat:
 * on a shared, loaded machine it moves far less than wall time.
 */
function cpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // Fields 14–17 of stat(5) (utime, stime, cutime, cstime) are 12–15 after the command name.
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return (ticks * 1000) / 100;
}

/** Wall and CPU time (ms) of `work`. */
async function timed(work: () => unknown): Promise<{ wall: number; cpu: number }> {
  const cpu = cpuMs();
  const start = process.hrtime.bigint();
  await work();
  return { wall: ms(start), cpu: cpuMs() - cpu };
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
    return timed(async () => {
      const outcome = await using.build({ root, model: m, key, number });
      if (!outcome.ok) throw new Error(outcome.message);
    });
  };
  const copy = (to: string) => timed(() => execFileSync('cp', ['-r', path.join(root, 'big'), path.join(dir, to)]));

  execFileSync('sync');
  const cp = await copy('copy1');
  const cold = await timedBuild(model('a'), 1);
  const renamed = await timedBuild(model('b'), 1);
  writeFileSync(path.join(root, 'big', 'pkg3', 'f300.py'), '# changed\n');
  const oneChanged = await timedBuild(model('a'), 2);
  const cp2 = await copy('copy2');
  // A clone's objects are packed; a fresh commit's are loose files, one inflate and open each.
  git('gc', '-q');
  const cp3 = await copy('copy3');
  const packedCold = await timedBuild(model('c'), 1, createSnapshotBuilder({ stateDir: path.join(root, '.slipway-packed') }));
  const best = { wall: Math.min(cp.wall, cp2.wall, cp3.wall), cpu: Math.min(cp.cpu, cp2.cpu, cp3.cpu) };
  const row = (name: string, value: { wall: number; cpu: number }) =>
    `| ${name} | ${value.wall.toFixed(0)} | ${(value.wall / best.wall).toFixed(2)}× | ${value.cpu.toFixed(0)} | ${(value.cpu / best.cpu).toFixed(2)}× |`;
  report(
    [
      `### snapshot-build — ${new Date().toISOString().slice(0, 10)}`,
      '',
      machineLine(),
      `Load average after the run: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')} (2 cores).`,
      '',
      `A build context of ${count} files (${count / 100} folders), committed. Snapshot builder time includes the interpreter probe; \`cp -r\` of the same folder is the best of three runs (wall ${[cp, cp2, cp3].map((c) => c.wall.toFixed(0)).join(' / ')} ms). CPU is user + system time of this process and its children (git, cp).`,
      '',
      '| build | wall ms | ÷ cp -r | CPU ms | ÷ cp -r |',
      '|---|---:|---:|---:|---:|',
      row('cp -r big/ (reference)', best),
      row('cold: empty content store, loose objects (fresh commit)', cold),
      row('cold: empty content store, packed objects (after git gc, as a clone)', packedCold),
      row('rename: another model, same key', renamed),
      row('one file changed', oneChanged),
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
