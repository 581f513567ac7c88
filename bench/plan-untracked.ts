// Benchmark (not a test): what an untracked 1 GB file outside every model's folder costs a plan.
// Slipway hashes untracked files only inside some model's build, so the goal is a plan within 10%
// of the same repository without the file. The file is sparse (`truncate`): reading it would cost
// the same as a real one, writing it does not fill the disk. `git status` on both is the reference.
// Two identical repositories, one with the file, are planned in interleaved rounds (the order
// alternating), so a shared, loaded machine slows both alike; the result is the median of the
// per-round ratios.
// Usage: node bench/plan-untracked.ts [--rounds 15] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';
import { argValue, report } from './support/results.ts';

const cli = path.resolve(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const rounds = Number(argValue('--rounds') ?? 15);

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

type Sample = { wall: number; cpu: number };

/**
 * Wall time and CPU time (user + system, ms) of one run of `cmd`: a shell runs it and reports its
 * children's times (`times`), so the CPU time is the command's own, whatever else loads the machine.
 */
function once(cmd: string, args: string[], cwd: string): Sample {
  const start = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', '"$@" >/dev/null; status=$?; times; exit $status', 'sh', cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 && result.status !== 2) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr}`);
  // `times` prints the shell's own times, then its children's: `0m0.120s 0m0.030s`.
  const children = result.stdout.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  if (children === null) throw new Error(`cannot read the times of ${cmd}: ${result.stdout}`);
  const cpu = (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
  return { wall, cpu };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

type Series = { plain: number; withFile: number; ratio: number; ratios: number[] };

function series(plain: number[], big: number[]): Series {
  const ratios = big.map((value, index) => value / plain[index]!);
  return { plain: median(plain), withFile: median(big), ratio: median(ratios), ratios };
}

/** `rounds` interleaved pairs of runs (after one warm-up pair), the order alternating each round. */
function interleaved(cmd: string, args: string[], without: string, withFile: string): { wall: Series; cpu: Series } {
  const plain: Sample[] = [];
  const big: Sample[] = [];
  for (let round = 0; round <= rounds; round++) {
    let a: Sample;
    let b: Sample;
    if (round % 2 === 0) {
      a = once(cmd, args, without);
      b = once(cmd, args, withFile);
    } else {
      b = once(cmd, args, withFile);
      a = once(cmd, args, without);
    }
    if (round === 0) continue;
    plain.push(a);
    big.push(b);
  }
  return { wall: series(plain.map((s) => s.wall), big.map((s) => s.wall)), cpu: series(plain.map((s) => s.cpu), big.map((s) => s.cpu)) };
}

const dir = makeRepo();
const other = makeRepo();
try {
  mkdirSync(path.join(other, 'data'));
  execFileSync('truncate', ['-s', '1G', path.join(other, 'data', 'dump.bin')]);
  const plan = interleaved(process.execPath, [cli, 'plan', '--json'], dir, other);
  const status = interleaved('git', ['status', '--porcelain'], dir, other);
  const load = os.loadavg().map((value) => value.toFixed(2)).join(', ');
  report(
    [
      `### plan-untracked — ${new Date().toISOString().slice(0, 10)}`,
      '',
      machineLine(),
      `Load average after the run: ${load} (2 cores).`,
      '',
      `\`slipway plan --json\` (10 models, process start included) in two identical repositories, one with an untracked 1 GB file outside every model's folder: ${rounds} interleaved rounds (order alternating), medians.`,
      '',
      '| repository | slipway plan, wall (ms) | slipway plan, CPU (ms) | git status, wall (ms) |',
      '|---|---:|---:|---:|',
      `| without the file | ${plan.wall.plain.toFixed(0)} | ${plan.cpu.plain.toFixed(0)} | ${status.wall.plain.toFixed(1)} |`,
      `| with data/dump.bin (1 GB, untracked) | ${plan.wall.withFile.toFixed(0)} | ${plan.cpu.withFile.toFixed(0)} | ${status.wall.withFile.toFixed(1)} |`,
      '',
      `Plan with ÷ without, median of the per-round ratios: wall ${plan.wall.ratio.toFixed(3)}×, CPU ${plan.cpu.ratio.toFixed(3)}× (goal ≤ 1.10×; issue 16: was 5 s against 0.36 s, 14×).`,
      `Per-round wall ratios: ${plan.wall.ratios.map((r) => r.toFixed(2)).join(', ')}.`,
      `Per-round CPU ratios: ${plan.cpu.ratios.map((r) => r.toFixed(2)).join(', ')}.`,
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
}
