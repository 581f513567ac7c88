// A real local Slipway project for integration tests: a git repository in a temp folder, the real
// `slipway` CLI, the background daemon it starts on loopback port 0 (the daemon writes the port it
// got into daemon.json, which `url` reads), and an HTTP client for the gateway. Cleanup stops the daemon with `slipway down` and, as a backstop, kills every daemon
// and replica process it ever saw, so nothing outlives a test (not even a failed one).
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { gitFixture, type GitFixture } from './git-fixture.ts';
import { slipwayAsync, type CliRun } from './cli.ts';

/** What the gateway (or the admin API) answered: status and the parsed JSON body (or the text). */
export type Answer = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

/** `.slipway/daemon.json` as the daemon writes it. */
export type DaemonFile = { pid: number; host: string; port: number; token: string; root: string };

/** `slipway status --json`. */
export type StatusJson = {
  gateway: string;
  models: Array<{
    model: string;
    deploymentId: number | null;
    build: number | null;
    state: string;
    replicas: number;
    readyReplicas: number;
    accessKey: string | null;
    replicaStats: Array<{ id: string; state: string; pid: number | null; restarts: number; received: number; processed: number; success: number; failure: number; error: number; busy: number; notReady: number }>;
  }>;
};

export type LocalProject = {
  fx: GitFixture;
  root: string;
  /** What to pass as `--port` to commands that start the daemon: 0, any free port. */
  port: number;
  /** `http://127.0.0.1:<port>` of the running daemon (from daemon.json): gateway and admin API. */
  readonly url: string;
  /** Runs the CLI in the repository; never throws on a non-zero exit. */
  cli(...args: string[]): Promise<CliRun>;
  /** Runs the CLI and returns its stdout; throws with its output when it exits non-zero. */
  ok(...args: string[]): Promise<string>;
  /** `ok` of a command that prints JSON (`--json` is not added). */
  json<T = any>(...args: string[]): Promise<T>;
  /** daemon.json, or null when there is none. */
  daemonFile(): DaemonFile | null;
  accessKey(model: string): string;
  /** `slipway keys create --quiet ...extra`: a new API key. */
  apiKey(...extra: string[]): Promise<string>;
  /** A raw POST to the daemon's port. */
  post(urlPath: string, body: string | Buffer, headers?: Record<string, string>): Promise<Answer>;
  /** `POST /models/<model>` with the request as the body. */
  call(model: string, input: unknown, apiKey?: string): Promise<Answer>;
  /** `POST /model` with the CML contract `{accessKey, request}`. */
  cml(accessKey: string, input: unknown, apiKey?: string): Promise<Answer>;
  status(): Promise<StatusJson>;
  /** The admin API with daemon.json's token (or `token`): quicker than the CLI for polling. */
  admin(method: string, route: string, token?: string): Promise<Answer>;
  /** The counters of one model's replicas, from the admin API. */
  replicaStats(model: string): Promise<StatusJson['models'][number]['replicaStats']>;
  /** `slipway down`, then kills whatever it left running. */
  down(): Promise<void>;
  /** `down`, and the temp folder removed. */
  cleanup(): Promise<void>;
};


// Every process a project ever saw, with the project's root; killed when the test process exits,
// whatever happened. Only processes still working in that root are killed, so a reused pid is safe.
const seenPids = new Map<number, string>();
process.on('exit', () => killAll(seenPids));

/**
 * A committed git repository holding `files` (and a `.gitignore` for `.slipway/`). Nothing runs
 * until a test runs `slipway up -d` or `apply`.
 */
export async function localProject(files: Record<string, string>): Promise<LocalProject> {
  const fx = gitFixture();
  fx.write('.gitignore', '.slipway/\n');
  for (const [file, content] of Object.entries(files)) fx.write(file, content);
  fx.commitAll('models');
  const port = 0;
  let agent = newAgent();
  const pids = new Map<number, string>();

  const daemonFile = (): DaemonFile | null => {
    try {
      const info = JSON.parse(readFileSync(path.join(fx.root, '.slipway', 'daemon.json'), 'utf8')) as DaemonFile;
      remember(pids, info.pid, fx.root);
      return info;
    } catch {
      return null;
    }
  };
  const cli = async (...args: string[]): Promise<CliRun> => {
    const run = await slipwayAsync(fx.root, args);
    daemonFile();
    return run;
  };
  const ok = async (...args: string[]): Promise<string> => {
    const run = await cli(...args);
    if (run.status !== 0) throw new Error(`slipway ${args.join(' ')} exited ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    return run.stdout;
  };
  const post = async (urlPath: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await request(`${project.url}${urlPath}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the test sees the text.
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  };
  const auth = (apiKey?: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  const status = async (): Promise<StatusJson> => {
    const value = JSON.parse(await ok('status', '--json')) as StatusJson;
    for (const m of value.models) for (const r of m.replicaStats) if (r.pid) remember(pids, r.pid, fx.root);
    return value;
  };

  const admin = async (method: string, route: string, token?: string): Promise<Answer> => {
    const bearer = token ?? daemonFile()?.token ?? '';
    const response = await request(`${project.url}/admin/${route}`, { method, dispatcher: agent, headers: { authorization: `Bearer ${bearer}` } });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : null, headers: response.headers };
  };

  const project: LocalProject = {
    fx,
    root: fx.root,
    port,
    get url() {
      // Before a daemon runs, the address a daemon started with `--port 0` is not known yet.
      const info = daemonFile();
      return info ? `http://${info.host.includes(':') ? `[${info.host}]` : info.host}:${info.port}` : `http://127.0.0.1:${port}`;
    },
    cli,
    ok,
    json: async (...args) => JSON.parse(await ok(...args)),
    daemonFile,
    accessKey(model) {
      const keys = JSON.parse(readFileSync(path.join(fx.root, '.slipway', 'access-keys.json'), 'utf8')) as Record<string, string>;
      const key = keys[model];
      if (!key) throw new Error(`no access key for ${model} in .slipway/access-keys.json`);
      return key;
    },
    apiKey: async (...extra) => (await ok('keys', 'create', '--quiet', ...extra)).trim(),
    post,
    call: (model, input, apiKey) => post(`/models/${model}`, JSON.stringify(input), auth(apiKey)),
    cml: (accessKey, input, apiKey) => post('/model', JSON.stringify({ accessKey, request: input }), auth(apiKey)),
    status,
    admin,
    async replicaStats(model) {
      const answer = await admin('GET', 'status');
      const found = (answer.body as StatusJson).models.find((m) => m.model === model);
      if (!found) throw new Error(`${model} is not in the daemon's status`);
      for (const r of found.replicaStats) if (r.pid) remember(pids, r.pid, fx.root);
      return found.replicaStats;
    },
    async down() {
      const info = daemonFile();
      if (info) {
        // Replica pids, so the backstop below can reach them too.
        await status().catch(() => undefined);
        await cli('down');
      }
      await agent.close().catch(() => undefined);
      agent = newAgent();
      killAll(pids);
    },
    async cleanup() {
      try {
        await project.down();
      } finally {
        await agent.close().catch(() => undefined);
        fx.remove();
      }
    },
  };
  return project;
}

/** Polls `check` (at most `tries` times, `everyMs` apart) until it returns a value other than undefined. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, tries = 300, everyMs = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`gave up waiting for ${what} after ${tries} tries`);
}

/**
 * True while `pid` runs. A zombie counts as gone: a daemon started in the background is
 * re-parented to init, which may reap it only a while after it exited.
 */
export function processRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function newAgent(): Agent {
  // Generous hang guards, not timing assertions: a stuck call fails the test instead of hanging it.
  return new Agent({ connections: 64, headersTimeout: 90_000, bodyTimeout: 90_000 });
}

function remember(pids: Map<number, string>, pid: number, root: string): void {
  pids.set(pid, root);
  seenPids.set(pid, root);
}

/** SIGKILL to each process whose working directory is still inside its project's root. */
function killAll(pids: Map<number, string>): void {
  for (const [pid, root] of pids) {
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(root)) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
