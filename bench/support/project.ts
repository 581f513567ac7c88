// A throwaway Slipway project for benchmarks: a git repository in a temp folder holding the
// add-numbers example, the real `slipway` CLI run in it, and a backstop that kills the daemon and
// its replicas if `slipway down` did not (a benchmark that fails half-way leaves nothing running).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/free-port.ts';
import { slipwayAsync } from '../../test/support/cli.ts';
export { freePort };

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const cliMain = path.join(repoRoot, 'src', 'cli', 'main.ts');

export type CliRun = { status: number | null; stdout: string; stderr: string; ms: number };

export type ModelOptions = { replicas?: number; auth?: boolean };

export type BenchProject = {
  root: string;
  port: number;
  /** `http://127.0.0.1:<port>`: gateway and admin API of the daemon. */
  url: string;
  /** Runs `slipway ...args` in the repository (never throws on a non-zero exit). */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /** `cli`, throwing with the output when the command fails. */
  ok(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  git(...args: string[]): string;
  write(file: string, content: string): void;
  commitAll(message: string): string;
  accessKey(model: string): string;
  daemonPid(): number | null;
  /** Origins of the model's replicas, from `slipway status --json`. */
  replicaOrigins(model: string): Promise<string[]>;
  /** Pids of the daemon and every replica it runs now, for the backstop. */
  rememberPids(): Promise<void>;
  /** `slipway down`, then SIGKILL to whatever of this project still runs. */
  down(): Promise<void>;
  /** `down`, and the folder removed. */
  cleanup(): Promise<void>;
};

/** models.yaml with the add-numbers model only. */
export function addNumbersYaml(opts: ModelOptions = {}): string {
  return [
    'version: 1',
    'project: bench',
    'models:',
    '  - name: add-numbers',
    '    file: add-numbers/add_numbers.py',
    '    function: add',
    `    auth: ${opts.auth ?? false}`,
    `    replicas: ${opts.replicas ?? 1}`,
    '    example:',
    '      input: {"a": 3, "b": 5}',
    '      output: 8',
    '',
  ].join('\n');
}


// Every pid any project saw, killed on exit if still working inside its project (a reused pid is safe).
const seen = new Map<number, string>();
// Project folders not cleaned up yet: removed on exit too, after their processes are gone.
const folders = new Set<string>();
process.on('exit', () => {
  killInside(seen);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
// Ctrl-C: exit through 'exit', so the backstop (and the peers' own) still run. The daemon is
// detached from the terminal's process group and would not get the signal itself.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** A committed repository with examples/add-numbers and a models.yaml serving it. */
export async function benchProject(opts: ModelOptions = {}): Promise<BenchProject> {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-project-')));
  folders.add(root);
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Slipway Bench');
  git('config', 'user.email', 'bench@slipway.invalid');
  git('config', 'commit.gpgsign', 'false');
  const write = (file: string, content: string): void => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  };
  const commitAll = (message: string): string => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  mkdirSync(path.join(root, 'add-numbers'));
  copyFileSync(path.join(repoRoot, 'examples', 'add-numbers', 'add_numbers.py'), path.join(root, 'add-numbers', 'add_numbers.py'));
  write('.gitignore', '.slipway/\n');
  write('models.yaml', addNumbersYaml(opts));
  commitAll('add-numbers');
  const port = await freePort();
  const pids = new Map<number, string>();
  const remember = (pid: number): void => {
    pids.set(pid, root);
    seen.set(pid, root);
  };

  const daemonPid = (): number | null => {
    try {
      const pid = (JSON.parse(readFileSync(path.join(root, '.slipway', 'daemon.json'), 'utf8')) as { pid: number }).pid;
      remember(pid);
      return pid;
    } catch {
      return null;
    }
  };
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
    const run = await runCli(root, args, env);
    daemonPid();
    return run;
  };
  const ok = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
    const run = await cli(args, env);
    if (run.status !== 0) throw new Error(`slipway ${args.join(' ')} exited ${run.status}\n${run.stdout}\n${run.stderr}`);
    return run;
  };
  const status = async (): Promise<{ models: Array<{ model: string; replicaStats: Array<{ origin?: string; pid?: number | null }> }> }> =>
    JSON.parse((await ok(['status', '--json'])).stdout);

  const project: BenchProject = {
    root,
    port,
    url: `http://127.0.0.1:${port}`,
    cli,
    ok,
    git,
    write,
    commitAll,
    accessKey(model) {
      const keys = JSON.parse(readFileSync(path.join(root, '.slipway', 'access-keys.json'), 'utf8')) as Record<string, string>;
      if (!keys[model]) throw new Error(`no access key for ${model} in .slipway/access-keys.json`);
      return keys[model];
    },
    daemonPid,
    async replicaOrigins(model) {
      const m = (await status()).models.find((x) => x.model === model);
      return (m?.replicaStats ?? []).map((r) => r.origin).filter((o): o is string => typeof o === 'string');
    },
    async rememberPids() {
      for (const m of (await status()).models) for (const r of m.replicaStats) if (r.pid) remember(r.pid);
    },
    async down() {
      if (daemonPid() !== null) {
        await project.rememberPids().catch(() => undefined);
        await cli(['down']);
      }
      killInside(pids);
    },
    async cleanup() {
      try {
        await project.down();
      } finally {
        rmSync(root, { recursive: true, force: true });
        folders.delete(root);
      }
    },
  };
  return project;
}

/** `slipway ...args` in `cwd` with the Node running this script; wall time included. */
export async function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<CliRun> {
  const start = performance.now();
  const run = await slipwayAsync(cwd, args, env, timeoutMs);
  return { ...run, ms: performance.now() - start };
}

function killInside(pids: Map<number, string>): void {
  for (const [pid, root] of pids) {
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(root)) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
