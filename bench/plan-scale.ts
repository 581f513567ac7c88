// Benchmark (not a test): how `slipway plan --json` grows with the number of models.
// Generates git repositories of 10, 100 and 1,000 models (a small file each), times the whole
// command (process start included) and, in the same run, two reference points on the same
// repository: `git status` (the floor any git-driven tool pays) and a bare Node start.
// Usage: node bench/plan-scale.ts [--runs 5] [--write]   (--write appends to bench/RESULTS.md)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const cli = path.join(here, '..', 'src', 'cli', 'main.ts');
const node = process.execPath;
const runs = Number(argValue('--runs') ?? 5);
const sizes = [10, 100, 1000];

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function makeRepo(models: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `slipway-bench-${models}-`));
  const lines = ['version: 1', 'project: bench', 'models:'];
  for (let i = 0; i < models; i++) {
    const name = `model-${i}`;
    mkdirSync(path.join(dir, 'models', name), { recursive: true });
    writeFileSync(path.join(dir, 'models', name, 'predict.py'), `def predict(args):\n    return args["x"] * ${i}\n`);
    lines.push(`  - name: ${name}`, `    file: models/${name}/predict.py`, '    function: predict');
  }
  writeFileSync(path.join(dir, 'models.yaml'), `${lines.join('\n')}\n`);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.email=bench@slipway.dev', '-c', 'user.name=bench', 'add', '.');
  git('-c', 'user.email=bench@slipway.dev', '-c', 'user.name=bench', 'commit', '-qm', 'models');
  return dir;
}

/** Median wall time in ms of `runs` runs of a command (after one warm-up run). */
function time(cmd: string, args: string[], cwd: string): number {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 2) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
    }
    if (i > 0) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows: string[] = [];
for (const size of sizes) {
  const dir = makeRepo(size);
  try {
    const plan = time(node, [cli, 'plan', '--json'], dir);
    const gitStatus = time('git', ['status', '--porcelain'], dir);
    const bareNode = time(node, ['-e', ''], dir);
    rows.push(
      `| ${size} | ${plan.toFixed(0)} | ${gitStatus.toFixed(1)} | ${bareNode.toFixed(0)} | ${(plan / bareNode).toFixed(1)}× |`,
    );
    console.log(`${size} models: plan ${plan.toFixed(0)} ms, git status ${gitStatus.toFixed(1)} ms, node start ${bareNode.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = [
  `### plan-scale — ${new Date().toISOString().slice(0, 10)}`,
  '',
  machineLine(),
  '',
  `Median of ${runs} runs of the whole \`slipway plan --json\` command (process start included), no store yet.`,
  '',
  '| models | slipway plan (ms) | git status (ms) | bare node start (ms) | plan / node start |',
  '|---:|---:|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
console.log(`\n${report}`);
if (process.argv.includes('--write')) appendFileSync(path.join(here, 'RESULTS.md'), `\n${report}`);
