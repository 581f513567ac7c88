// Benchmark (not a test): what an untracked 1 GB file outside every model's folder costs a plan.
// Slipway hashes untracked files only inside some model's build, so the goal is a plan within 10%
// of the same repository without the file. The file is sparse (`truncate`): reading it would cost
// the same as a real one, writing it does not fill the disk. `git status` on both is the reference.
// Usage: node bench/plan-untracked.ts [--runs 5] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';
import { argValue, report } from './support/results.ts';

const cli = path.resolve(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const runs = Number(argValue('--runs') ?? 5);

function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-untracked-'));
  const lines = ['version: 1', 'project: bench', 'models:'];
  for (let i = 0; i < 10; i++) {
    mkdirSync(path.join(dir, 'models', `m${i}`), { recursive: true });
    writeFileSync(path.join(dir, 'models', `m${i}`, 'predict.py'), `def predict(args):\n    return ${i}\n`);
    lines.push(`  - name: m${i}`, `    file: models/m${i}/predict.py`, '    function: predict');
  }
  writeFileSync(path.join(dir, 'models.yaml'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, '.gitignore'), '.slipway/\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=bench@slipway.dev', '-c', 'user.name=bench', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'models');
  return dir;
}

/** Median wall time (ms) of `runs` runs after one warm-up. */
function time(cmd: string, args: string[], cwd: string): number {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0 && result.status !== 2) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr}`);
    if (i > 0) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const dir = makeRepo();
try {
  const plain = time(process.execPath, [cli, 'plan', '--json'], dir);
  const statusPlain = time('git', ['status', '--porcelain'], dir);
  mkdirSync(path.join(dir, 'data'));
  execFileSync('truncate', ['-s', '1G', path.join(dir, 'data', 'dump.bin')]);
  const withFile = time(process.execPath, [cli, 'plan', '--json'], dir);
  const statusWith = time('git', ['status', '--porcelain'], dir);
  report(
    [
      `### plan-untracked — ${new Date().toISOString().slice(0, 10)}`,
      '',
      machineLine(),
      '',
      `Median of ${runs} runs of \`slipway plan --json\` (10 models, process start included), without and with an untracked 1 GB file outside every model's folder.`,
      '',
      '| repository | slipway plan (ms) | git status (ms) |',
      '|---|---:|---:|',
      `| without the file | ${plain.toFixed(0)} | ${statusPlain.toFixed(1)} |`,
      `| with data/dump.bin (1 GB, untracked) | ${withFile.toFixed(0)} | ${statusWith.toFixed(1)} |`,
      '',
      `Plan with ÷ without: ${(withFile / plain).toFixed(2)}× (goal ≤ 1.10×, issue 16: was 5 s against 0.36 s, 14×).`,
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
