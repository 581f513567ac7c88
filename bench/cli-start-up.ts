// Benchmark (not a test): how long the installed `slipway` takes to start, as a user gets it from
// `npm install -g` of the packed tarball. On a machine whose Node is older than 24, bin/slipway.js
// starts under that Node and runs itself again under the Node 24 the package brought; with Node 24
// first on PATH it runs the compiled CLI (lib/) at once. Reference points in the same run: a bare
// start of each Node, `npm --version` (a Node CLI every user has), and the sources run from a clone
// (type stripping).
//
//   node bench/cli-start-up.ts [--runs 10] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';

const runs = Number(argValue('--runs') ?? 10);
const repoRoot = path.resolve(import.meta.dirname, '..');
const systemNode = '/usr/bin/node';
const node24 = process.execPath;

function timeMs(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const run = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    if (i > 0) samples.push(performance.now() - start);
  }
  return median(samples);
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-start-'));
try {
  const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH}` };
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', temp], { cwd: repoRoot, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
  const prefix = path.join(temp, 'prefix');
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', path.join(temp, packed.filename)], { env, stdio: 'ignore' });
  const bin = path.join(prefix, 'bin', 'slipway');
  const installedJs = path.join(prefix, 'lib', 'node_modules', 'slipway', 'bin', 'slipway.js');
  const project = path.join(temp, 'project');
  execFileSync('git', ['init', '-q', project]);
  writeFileSync(path.join(project, 'models.yaml'), 'version: 1\nproject: bench\nmodels:\n  - name: add\n    file: add.py\n    function: add\n');
  writeFileSync(path.join(project, 'add.py'), 'def add(args):\n    return args["a"] + args["b"]\n');
  const systemVersion = execFileSync(systemNode, ['--version'], { encoding: 'utf8' }).trim();

  const cases: Array<[string, string, string[]]> = [
    [`bare Node ${systemVersion} start (node -e 0)`, systemNode, ['-e', '0']],
    [`bare Node ${process.version} start (node -e 0)`, node24, ['-e', '0']],
    ['npm --version (system npm)', 'npm', ['--version']],
    [`installed slipway --version, system Node ${systemVersion} first on PATH (re-executes under Node 24)`, bin, ['--version']],
    ['installed slipway --version, run by Node 24 (lib/, no re-execution)', node24, [installedJs, '--version']],
    ['clone: node src/cli/main.ts --version (type stripping)', node24, [path.join(repoRoot, 'src', 'cli', 'main.ts'), '--version']],
    [`installed slipway validate, system Node ${systemVersion} first on PATH`, bin, ['validate']],
    ['installed slipway validate, run by Node 24', node24, [installedJs, 'validate']],
    ['clone: node src/cli/main.ts validate', node24, [path.join(repoRoot, 'src', 'cli', 'main.ts'), 'validate']],
  ];
  const results = cases.map(([label, cmd, args]) => [label, timeMs(cmd, args, project, env)] as const);
  const npmMs = results[2][1];
  const rows = results.map(([label, ms]) => [label, ms.toFixed(0), `${(ms / npmMs).toFixed(2)}×`]);
  report(
    [
      `## CLI start-up, installed from the packed tarball (${today()})`,
      '',
      machineLine(),
      loadLine(),
      `Median of ${runs} runs after one warm-up, wall time from spawn to exit, in a one-model git repository. Package ${packed.filename}, ${(packed.size / 1000).toFixed(0)} kB packed, ${packed.entryCount} files.`,
      '',
      table(['command', 'ms', '÷ npm --version'], rows),
    ].join('\n'),
  );
} finally {
  rmSync(temp, { recursive: true, force: true });
}
