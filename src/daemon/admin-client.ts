// The CLI's side of the admin API: finds the daemon through daemon.json, starts one in the
// background when asked to, and speaks to it with the admin token.
import { spawn } from 'node:child_process';
import { closeSync, fchmodSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { ensurePrivateStateDir } from './private-state.ts';
import path from 'node:path';
import { cliInvocation } from '../package-paths.ts';
import { readDaemonInfo, type DaemonInfo } from './daemon-info.ts';
import { stateDir } from '../backends/local/observe.ts';
import { tryStartLock } from './start-lock.ts';

export class DaemonNotRunningError extends Error {
  override name = 'DaemonNotRunningError';
  constructor(root: string) {
    super(`no Slipway daemon is running for ${root} (start one with \`slipway up -d\`)`);
  }
}

export type AdminClient = {
  info: DaemonInfo;
  url: string;
  request(method: string, route: string, body?: unknown): Promise<Response>;
  json<T>(method: string, route: string, body?: unknown): Promise<T>;
};

export function adminClient(info: DaemonInfo): AdminClient {
  const url = `http://${info.host.includes(':') ? `[${info.host}]` : info.host}:${info.port}`;
  const request = (method: string, route: string, body?: unknown) =>
    fetch(`${url}/admin/${route}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    info,
    url,
    request,
    async json<T>(method: string, route: string, body?: unknown): Promise<T> {
      const response = await request(method, route, body);
      const value = (await response.json()) as T & { error?: string };
      if (!response.ok) throw new Error(value.error ?? `${method} /admin/${route} answered ${response.status}`);
      return value;
    },
  };
}

/** The running daemon of `root`, or null. */
export function findDaemon(root: string): AdminClient | null {
  const info = readDaemonInfo(root);
  return info ? adminClient(info) : null;
}

/** The running daemon, or a new one started in the background (its output goes to .slipway/daemon.log). */
export async function ensureDaemon(root: string, opts: DaemonStart): Promise<{ client: AdminClient; started: boolean }> {
  const running = findDaemon(root);
  if (running) return { client: running, started: false };
  ensurePrivateStateDir(root);
  const logFile = path.join(stateDir(root), 'daemon.log');
  const lock = tryStartLock(root);
  if (!lock) return { client: await waitForDaemon(root, logFile), started: false };
  try {
    // Another starter may have finished between our first look and taking the lock.
    const started = findDaemon(root);
    if (started) return { client: started, started: false };
    return { client: await spawnDaemon(root, opts, logFile), started: true };
  } finally {
    lock.release();
  }
}

/** Waits for the daemon another command is starting. */
async function waitForDaemon(root: string, logFile: string): Promise<AdminClient> {
  for (let waited = 0; waited < 120_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const client = findDaemon(root);
    if (client) return client;
    if (waited > 1000 && !tryStartLockHeld(root)) break;
  }
  const client = findDaemon(root);
  if (client) return client;
  throw new Error(`another command was starting the daemon, which did not come up; see ${logFile}`);
}

/** True while some live process holds the start lock. */
function tryStartLockHeld(root: string): boolean {
  const lock = tryStartLock(root);
  if (!lock) return true;
  lock.release();
  return false;
}

/**
 * How to start a daemon: `file` is the models file it serves (any file of the repository; applies
 * name theirs), `watch` the file to apply on every change, when it should watch.
 */
export type DaemonStart = { port: number; host?: string; file?: string; watch?: string };

/** `: <the error it printed>` from what this start added to the daemon's log, or nothing. */
function whyItExited(logFile: string, from: number): string {
  let added = '';
  try {
    added = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return '';
  }
  const said = added.split('\n').filter((line) => line.startsWith('slipway: ')).at(-1);
  return said ? `: ${said.slice('slipway: '.length)}` : '';
}

async function spawnDaemon(root: string, opts: DaemonStart, logFile: string): Promise<AdminClient> {
  const out = openSync(logFile, 'a', 0o600);
  fchmodSync(out, 0o600);
  const logStart = fstatSync(out).size;
  const args = ['daemon', '--port', String(opts.port)];
  if (opts.host) args.push('--host', opts.host);
  const file = opts.watch ?? opts.file;
  if (file) args.push('-f', file);
  if (opts.watch) args.push('--watch');
  // From the sources this runs src/cli/main.ts; from the Action's bundle, the bundle itself.
  const cli = cliInvocation(args);
  const env: NodeJS.ProcessEnv = { ...process.env, ...cli.env };
  // The GitHub Actions runner kills every process carrying its job's tracking id when the job
  // ends; the daemon is meant to outlive the job that started it (it serves the models). The job's
  // credentials (the Action's inputs, the runner's tokens) have no business outliving it.
  // Nor do the job's own variables (its event file, step summary, outputs, workspace: gone once
  // the job ends, and wrong for every later job): none of GITHUB_*, RUNNER_*, INPUT_*, ACTIONS_*.
  for (const name of Object.keys(env)) if (/^(GITHUB_|RUNNER_|INPUT_|ACTIONS_)/.test(name)) delete env[name];
  const child = spawn(cli.command, cli.args, { cwd: root, detached: true, stdio: ['ignore', out, out], env });
  child.unref();
  closeSync(out);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  for (let waited = 0; waited < 120_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (exited !== null) throw new Error(`the daemon exited (${exited}) while starting${whyItExited(logFile, logStart)}; see ${logFile}`);
    const client = findDaemon(root);
    if (client && client.info.pid === child.pid) return client;
  }
  throw new Error(`the daemon did not start within 120 s; see ${logFile}`);
}
