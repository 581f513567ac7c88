// Shared setup for the supervisor's integration tests: a temp build folder with real model files,
// a supervisor on the real Python runtime, and cleanup that leaves no process behind even when a
// test fails (after.each stops everything; every pid ever seen is killed as a backstop).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrivateDir } from '../../src/supervisor/run-dir.ts';
import { createSupervisor, type Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.ts';
import { replicaRequest } from '../support/replica-request.ts';
import type { DeploymentProcessSpec, SupervisorEvents } from '../../src/supervisor/supervisor-types.ts';

export const RUNTIME_DIR = path.resolve(import.meta.dirname, '../../runtime/python');

/** A model that reports its environment and prints what it is asked to, one line per item. */
export const ECHO_MODEL = `import os, sys, time
print("loading model", flush=True)
print("a note on stderr", file=sys.stderr)

def predict(args):
    for line in args.get("print", []):
        print(line)
    if args.get("sleep"):
        time.sleep(args["sleep"])
    return {"pid": os.getpid(), "env": {name: os.environ.get(name) for name in args.get("vars", [])}}
`;

export type Harness = {
  dir: string;
  buildDir: string;
  logDir: string;
  /** Where the replicas' sockets are. */
  runDir: string;
  supervisor: Supervisor;
  /** A spec for `model.py:predict` in the build folder, with `overrides` applied. */
  spec(overrides?: Partial<DeploymentProcessSpec>): DeploymentProcessSpec;
  writeModel(file: string, source: string): void;
  /** The next event of that name whose arguments pass `match`; fails the test rather than hang. */
  waitFor<E extends keyof SupervisorEvents>(event: E, match?: (...args: SupervisorEvents[E]) => boolean): Promise<SupervisorEvents[E]>;
  cleanup(): Promise<void>;
};

const HANG_GUARD_MS = 60_000;

export function createHarness(options: Partial<SupervisorOptions> = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-supervisor-'));
  const buildDir = path.join(dir, 'build');
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(buildDir);
  const runDir = ensurePrivateDir(path.join(dir, 'run'));
  const supervisor = createSupervisor({ runtimeDir: RUNTIME_DIR, logDir, runDir, readyTimeoutMs: 30_000, ...options });
  const pids = new Set<number>();
  supervisor.events.on('ready', (info) => {
    if (info.pid !== null) pids.add(info.pid);
  });
  supervisor.events.on('exit', (info) => {
    if (info.pid !== null) pids.add(info.pid);
  });
  // If the test process dies before after.each runs (an uncaught error), take the replicas along.
  const killOnExit = () => {
    for (const info of supervisor.list()) if (info.pid !== null) pids.add(info.pid);
    killGroups(pids);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  let nextDeployment = 1;
  const harness: Harness = {
    dir,
    buildDir,
    logDir,
    runDir,
    supervisor,
    spec(overrides = {}) {
      return {
        model: 'echo',
        build: 1,
        deploymentId: nextDeployment++,
        buildDir,
        python: 'python3',
        file: 'model.py',
        function: 'predict',
        replicas: 1,
        env: {},
        concurrency: 1,
        gatewayUrl: 'http://127.0.0.1:9',
        ...overrides,
      };
    },
    writeModel(file, source) {
      fs.writeFileSync(path.join(buildDir, file), source);
    },
    waitFor(event, match = () => true) {
      return new Promise((resolve, reject) => {
        const guard = setTimeout(() => {
          supervisor.events.off(event, listener as never);
          reject(new Error(`no "${event}" event came`));
        }, HANG_GUARD_MS);
        const listener = (...args: SupervisorEvents[typeof event]) => {
          if (!match(...args)) return;
          clearTimeout(guard);
          supervisor.events.off(event, listener as never);
          resolve(args);
        };
        supervisor.events.on(event, listener as never);
      });
    },
    async cleanup() {
      await supervisor.stopAll({ graceMs: 0 });
      killGroups(pids);
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  harness.writeModel('model.py', ECHO_MODEL);
  return harness;
}

function killGroups(pids: Set<number>): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What `ECHO_MODEL` answers. */
export type EchoResponse = { pid: number; env: Record<string, string | null> };

/** Calls a replica directly with the runtime protocol and returns the function's response. */
export async function invoke(origin: string, request: unknown): Promise<EchoResponse> {
  const response = await replicaRequest(origin, '/invoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = JSON.parse(response.text) as { response?: unknown; error?: unknown };
  if (response.status !== 200) throw new Error(`invoke answered ${response.status}: ${JSON.stringify(body)}`);
  return body.response as EchoResponse;
}
