// Test calls against a candidate image, before anything is deployed: the image runs once with
// podman on the host network, the runtime told to listen on loopback port 0 (any free port) and
// read back from its ready line (`SLIPWAY_READY port=<n>`, the runtime protocol's first stdout
// line), its examples are called on the replica's `/invoke`, and the container is removed.
// The kubernetes backend's `slipway test` and PR flow use this; the local backend calls its
// snapshot replicas instead.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runExamples, type CallModel, type TestResult } from '../apply/test-calls.ts';
import type { ModelSpec } from '../spec/types.ts';
import { defaultTlsVerify } from './image-ref.ts';
import { invokeCaller } from './image-replica-call.ts';
import { cancelReason, overLimit, stepLimitSeconds, type StepLimits } from './step-limits.ts';
import { writeAuthFile, type RegistryCredentials } from './registry-auth.ts';

export type PodmanOptions = {
  podman?: string;
  /**
   * Flags before `run`. Default `--runtime runc --cgroup-manager cgroupfs`: runc and cgroupfs work
   * for root on machines without systemd, where crun and the systemd cgroup manager fail.
   */
  globalArgs?: string[];
  /** Extra `run` flags. Default: nofile and nproc limits of 1024, within what sandboxes allow. */
  runArgs?: string[];
  /** Verify TLS when pulling; default: not for loopback registries, otherwise yes. */
  tlsVerify?: boolean;
  /** How long the model may take to import; default 60 s. */
  readyTimeoutMs?: number;
  /** How long one call may take; default 30 s. */
  callTimeoutMs?: number;
  /** Progress lines: pulling, ready, stopped. */
  log?: (line: string) => void;
  /** The podman time limit, replacing its default. */
  stepTimeouts?: StepLimits;
  /** Stops waiting and kills the podman command running when it aborts. */
  signal?: AbortSignal;
};

export type ReplicaRequest = PodmanOptions & {
  /** The deployment's variables, already resolved; passed by name so values stay off the command line. */
  env?: Record<string, string>;
  /** Names the container (`slipway-test-<model>-…`) and the replica in its log lines. */
  model?: string;
  concurrency?: number;
};

export type ImageReplica = {
  container: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  call: CallModel;
  /** Everything the container wrote so far. */
  logs(): Promise<string>;
  /** Stops and removes the container; safe to call twice. */
  stop(): Promise<void>;
};

export type StartResult = { ok: true; replica: ImageReplica } | { ok: false; message: string; logs: string };

export type ImageTestOutcome = { ok: true; results: TestResult[]; logs: string } | { ok: false; message: string; logs: string };

const DEFAULT_GLOBAL_ARGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
const DEFAULT_RUN_ARGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const POLL_MS = 200;

type Run = { code: number; stdout: string; stderr: string };

function podman(options: PodmanOptions, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const full = [...(options.globalArgs ?? DEFAULT_GLOBAL_ARGS), ...args];
  const seconds = stepLimitSeconds('podman', options.stepTimeouts);
  // `rm` cleans up after a cancelled run, so it is the one command a signal does not stop.
  const signal = args[0] === 'rm' ? undefined : options.signal;
  return new Promise((resolve) => {
    execFile(options.podman ?? 'podman', full, { env, maxBuffer: 64 << 20, encoding: 'utf8', timeout: seconds * 1000, killSignal: 'SIGKILL', signal }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      let message = error !== null && stderr === '' ? error.message : stderr;
      if (signal?.aborted) message = `podman ${args[0]} was cancelled: ${cancelReason(signal)}`;
      else if (error?.killed) message = `podman ${args[0]} ${overLimit(seconds)}`;
      resolve({ code, stdout, stderr: message });
    });
  });
}


const READY_LINE = /^SLIPWAY_READY port=(\d+)\s*$/m;

/** Waits for the runtime's ready line, printed once the model is imported; its port, or why not. */
async function waitReady(options: PodmanOptions, container: string): Promise<{ port: number } | { problem: string }> {
  const timeout = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeout;
  let polls = 0;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) return { problem: `cancelled: ${cancelReason(options.signal)}` };
    const ready = READY_LINE.exec((await podman(options, ['logs', container])).stdout);
    if (ready) return { port: Number(ready[1]) };
    if (polls++ % 5 === 0) {
      const state = await podman(options, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', container]);
      const [status, exitCode] = state.stdout.trim().split(' ');
      // `stopped` is an exited container podman has not cleaned up yet: the same end.
      if (state.code === 0 && (status === 'exited' || status === 'stopped')) {
        return { problem: `the container exited with code ${exitCode} before it was ready` };
      }
    }
    await sleep(POLL_MS);
  }
  return { problem: `the replica was not ready within ${timeout / 1000} s` };
}

/**
 * Makes sure `image` is in local storage, pulling it when it is not; when it cannot be pulled,
 * podman's reason (its last line, e.g. `… unauthorized: authentication required`).
 */
export async function ensureImage(
  image: string,
  options: PodmanOptions & { credentials?: RegistryCredentials | null } = {},
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if ((await podman(options, ['image', 'exists', image])).code === 0) return { ok: true };
  options.log?.(`pulling ${image}`);
  // The target's registry credentials, when it has some, in a 0600 auth file: never on the command line.
  const auth = options.credentials ? await writeAuthFile(image, options.credentials) : null;
  const pulled = await podman(options, [
    'pull', '--quiet', `--tls-verify=${options.tlsVerify ?? defaultTlsVerify(image)}`, ...(auth ? ['--authfile', auth.path] : []), image,
  ]).finally(() => auth?.remove());
  if (pulled.code === 0) return { ok: true };
  const last = pulled.stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '').at(-1) ?? `podman pull exited ${pulled.code}`;
  return { ok: false, reason: last.replace(/^Error: /, '') };
}

/**
 * Runs `image` detached on a free loopback port and waits until its model is imported. On failure
 * the container is removed and its output returned.
 */
export async function startImageReplica(image: string, request: ReplicaRequest = {}): Promise<StartResult> {
  const model = request.model ?? 'model';
  const container = `slipway-test-${model}-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    ...request.env,
    SLIPWAY_REPLICA_ID: `${model}-test`,
    SLIPWAY_CONCURRENCY: String(request.concurrency ?? 1),
  };
  const tls = request.tlsVerify ?? defaultTlsVerify(image);
  const args = [
    'run', '-d', '--name', container,
    '--label', 'dev.slipway.test-run=true', '--label', `dev.slipway.model=${model}`,
    '--network', 'host', `--tls-verify=${tls}`,
    ...(request.runArgs ?? DEFAULT_RUN_ARGS),
    ...Object.keys(env).flatMap((name) => ['-e', name]),
    image,
    '--host', '127.0.0.1', '--port', '0',
  ];
  request.log?.(`starting ${image} as ${container}`);
  const started = await podman(request, args, { ...process.env, ...env });
  const logs = async () => {
    const out = await podman(request, ['logs', container]);
    return `${out.stdout}${out.stderr}`;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await podman(request, ['rm', '--force', '--time', '5', container]);
    request.log?.(`removed ${container}`);
  };
  if (started.code !== 0) {
    const output = await logs();
    await stop();
    return { ok: false, message: `podman run ${image} failed (exit ${started.code}): ${started.stderr.trim()}`, logs: output };
  }
  const ready = await waitReady(request, container);
  if ('problem' in ready) {
    const output = await logs();
    await stop();
    return { ok: false, message: `${image}: ${ready.problem}`, logs: output };
  }
  const url = `http://127.0.0.1:${ready.port}`;
  request.log?.(`${container} is ready on ${url}`);
  return { ok: true, replica: { container, url, call: invokeCaller(url, request.callTimeoutMs), logs, stop } };
}

/**
 * Runs `image`, hands its `CallModel` to `use`, and removes the container afterwards, whatever
 * `use` does. A replica that never gets ready is an outcome, not a throw.
 */
export async function withImageReplica<T>(
  image: string,
  request: ReplicaRequest,
  use: (call: CallModel, replica: ImageReplica) => Promise<T>,
): Promise<{ ok: true; value: T; logs: string } | { ok: false; message: string; logs: string }> {
  const started = await startImageReplica(image, request);
  if (!started.ok) return started;
  const { replica } = started;
  try {
    const value = await use(replica.call, replica);
    return { ok: true, value, logs: await replica.logs() };
  } finally {
    await replica.stop();
  }
}

/** Calls `model`'s examples against `image` run with podman (see `runExamples`). */
export async function testImage(model: ModelSpec, image: string, request: ReplicaRequest = {}): Promise<ImageTestOutcome> {
  const outcome = await withImageReplica(
    image,
    { callTimeoutMs: model.serving.timeoutSeconds * 1000, concurrency: model.serving.concurrency, model: model.name, ...request },
    (call) => runExamples(model, call),
  );
  return outcome.ok ? { ok: true, results: outcome.value, logs: outcome.logs } : outcome;
}
