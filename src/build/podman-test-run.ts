// Test calls against a candidate image, before anything is deployed: the image runs once with
// podman, its examples are called on the replica's `/invoke`, and the container is removed.
// A candidate is untrusted code (a pull request's), so by default its container has no network
// (`--network none`) and the runtime serves on a Unix socket (`--socket`) in a private folder
// mounted into it: the one way in, reachable only by this process's user. The socket is read back
// from the runtime's ready line (`SLIPWAY_READY socket=<path>`, the runtime protocol's first
// stdout line). The kubernetes backend's `slipway test`, PR flow and `slipway diff` use this; the
// local backend calls its snapshot replicas instead.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openReplicaCaller } from '../apply/replica-invoke.ts';
import { runExamples, type CallModel, type TestResult } from '../apply/test-calls.ts';
import { unixOrigin } from '../gateway/replica-origin.ts';
import type { ModelSpec } from '../spec/types.ts';
import { defaultTlsVerify } from './image-ref.ts';
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
  /**
   * Whether the container shares the host's network; default no (`--network none`). A candidate
   * gets it only when its model asks (`sandbox: {network: true}`) and the pull request is not a fork.
   */
  network?: boolean;
  /**
   * Where the runtime listens: `socket` (default), a Unix socket in a private folder mounted into
   * the container; `port`, a loopback TCP port on the host's network (implies `network`), as a
   * node's pod does: the test suite's podman kubelet, which the fake API server proxies to.
   */
  listen?: 'socket' | 'port';
};

export type ImageReplica = {
  container: string;
  /** Where the replica listens: `unix:<socket path>`, or `http://127.0.0.1:<port>` with `listen: 'port'`. */
  origin: string;
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


const READY_LINE = /^SLIPWAY_READY (?:port=(\d+)|socket=(\S+))\s*$/m;
/** Where the private socket folder is mounted in the container. */
const CONTAINER_RUN_DIR = '/run/slipway';
const CONTAINER_SOCKET = `${CONTAINER_RUN_DIR}/replica.sock`;

type Ready = { port: number } | { socket: string };

/** Waits for the runtime's ready line, printed once the model is imported; where it listens, or why not. */
async function waitReady(options: PodmanOptions, container: string): Promise<Ready | { problem: string }> {
  const timeout = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeout;
  let polls = 0;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) return { problem: `cancelled: ${cancelReason(options.signal)}` };
    const ready = READY_LINE.exec((await podman(options, ['logs', container])).stdout);
    if (ready) return ready[1] !== undefined ? { port: Number(ready[1]) } : { socket: ready[2]! };
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
 * Runs `image` detached and waits until its model is imported: without network and on a private
 * socket by default (`ReplicaRequest.listen`). On failure the container is removed and its output
 * returned.
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
  const onPort = request.listen === 'port';
  const socketDir = onPort ? null : await privateSocketDir();
  const args = [
    'run', '-d', '--name', container,
    '--label', 'dev.slipway.test-run=true', '--label', `dev.slipway.model=${model}`,
    '--network', onPort || request.network === true ? 'host' : 'none', `--tls-verify=${tls}`,
    ...(socketDir ? ['--volume', `${socketDir.mounted}:${CONTAINER_RUN_DIR}`] : []),
    ...(request.runArgs ?? DEFAULT_RUN_ARGS),
    ...Object.keys(env).flatMap((name) => ['-e', name]),
    image,
    ...(socketDir ? ['--socket', CONTAINER_SOCKET] : ['--host', '127.0.0.1', '--port', '0']),
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
    if (socketDir) await rm(socketDir.root, { recursive: true, force: true });
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
  const origin = socketDir === null
    ? ('port' in ready ? `http://127.0.0.1:${ready.port}` : null)
    : ('socket' in ready && ready.socket === CONTAINER_SOCKET ? unixOrigin(path.join(socketDir.mounted, path.basename(CONTAINER_SOCKET))) : null);
  if (origin === null) {
    // The image's runtime listened somewhere else than it was told: nothing here can reach it.
    const output = await logs();
    await stop();
    const where = 'port' in ready ? `port ${ready.port}` : `socket ${ready.socket}`;
    return { ok: false, message: `${image}: the runtime listened on ${where}, not where it was told; rebuild the image with this Slipway`, logs: output };
  }
  request.log?.(`${container} is ready on ${origin}`);
  // One connection for all of this replica's calls (a diff makes thousands), closed with it.
  const caller = openReplicaCaller(origin, request.callTimeoutMs);
  let closed: Promise<void> | null = null;
  const stopAndClose = () => (closed ??= caller.close().then(stop));
  return { ok: true, replica: { container, origin, call: caller.call, logs, stop: stopAndClose } };
}

/**
 * A folder for the replica's socket: `root` is private (0700, this user's), and `mounted`, inside
 * it, is open to any user (0777) because the image's user (10001 for Slipway's images, or any
 * other) must create the socket there; only the container and this user can reach it.
 */
async function privateSocketDir(): Promise<{ root: string; mounted: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-candidate-run-'));
  const mounted = path.join(root, 'run');
  await mkdir(mounted);
  await chmod(mounted, 0o777);
  return { root, mounted };
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
