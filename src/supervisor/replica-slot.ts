// One replica slot of a deployment: keeps a runtime process running in it. A crash starts a new
// process after a backoff; `replace` kills the current one and starts a new one at once. The slot
// keeps its id, log and restart count across processes; each process brings a new pid and a new
// Unix domain socket (a fresh path, so a new process is a new origin for the gateway).
import fs from 'node:fs';
import { redactText, scrubList } from '../github/redact.ts';
import type { CgroupSupport } from '../limits/cgroups.ts';
import { cpuCores, memoryBytes } from '../limits/quantity.ts';
import { createReplicaCgroup, type ReplicaCgroup, type ReplicaLimits } from '../limits/replica-cgroup.ts';
import { backoffDelay } from './replica-backoff.ts';
import { replicaEnv } from './replica-env.ts';
import type { SlotLog } from './replica-logs.ts';
import type { Wrap } from '../sandbox/launcher.ts';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.ts';
import { NotReadyError, spawnReplica, type NotReady, type ReplicaProcess } from './replica-process.ts';
import { describeExit, ReplicaStartError, type ReplicaStartFailure } from './replica-start-error.ts';
import type {
  BackoffOptions,
  DeploymentProcessSpec,
  ReadyCause,
  ReplicaExit,
  ReplicaInfo,
  ReplicaState,
  SupervisorEvents,
} from './supervisor-types.ts';

export type SlotOptions = {
  id: string;
  spec: DeploymentProcessSpec;
  runtimeDir: string;
  /** The build's runtime: its command, ready line and variables (src/runtimes/). */
  runtime: RuntimeAdapter;
  /** The launcher's wrapping of each process (a sandbox, or none). */
  wrap: Wrap;
  daemonEnv: NodeJS.ProcessEnv;
  log: SlotLog;
  /** A fresh socket path for each process the slot starts (in the daemon's private run folder). */
  socketPath: () => string;
  /** Where memory and cpu limits can be enforced; null: they are advisory. */
  cgroups?: CgroupSupport | null;
  readyTimeoutMs: number;
  backoff: BackoffOptions;
  emit: <E extends keyof SupervisorEvents>(event: E, ...args: SupervisorEvents[E]) => void;
};

export type ReplicaSlot = {
  readonly id: string;
  info(): ReplicaInfo;
  /** Resolves once the slot's first process is ready; rejects with a `ReplicaStartError` when it never is. */
  readonly firstReady: Promise<ReplicaInfo>;
  /** Kills the current process and starts a new one; resolves when the slot is ready again. */
  replace(reason?: string): Promise<ReplicaInfo>;
  /** SIGTERM to every process of the slot, SIGKILL after `graceMs`; resolves once all ended. */
  stop(graceMs: number): Promise<void>;
  /**
   * Resolves once the slot's latest process has ended: true when its memory limit killed it.
   * Pending while that process still runs.
   */
  latestEnd(): Promise<boolean>;
};

const STDERR_TAIL_LINES = 30;

/** Creates a slot and starts its first process. */
export function createReplicaSlot(options: SlotOptions): ReplicaSlot {
  const { id, spec } = options;
  // Secrets are masked as lines are written, so no log file, `slipway logs` or page ever holds them.
  const secrets = scrubList(spec.secrets ?? []);
  const log: SlotLog =
    secrets.length === 0
      ? options.log
      : { ...options.log, write: (stream, text, time) => options.log.write(stream, redactText(text, secrets), time) };
  let state: ReplicaState = 'starting';
  let restarts = 0;
  /** Crashes in a row, for the backoff; reset once a process stayed ready long enough. */
  let failures = 0;
  let everReady = false;
  let current: ReplicaProcess | null = null;
  let origin: string | null = null;
  let startedAt = new Date().toISOString();
  let readySince: number | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  /** Why a process never got ready, when it was not a plain exit. */
  const notReady = new WeakMap<ReplicaProcess, NotReady>();
  let stopping: Promise<void> | null = null;
  const live = new Set<ReplicaProcess>();
  let waiters: { resolve: (info: ReplicaInfo) => void; reject: (error: Error) => void }[] = [];
  const limits = limitsOf(spec.resources);
  let launches = 0;
  /** Whether the latest process was killed by its memory limit, once it ended. */
  let latestEnd: Promise<boolean> = Promise.resolve(false);

  function info(): ReplicaInfo {
    return {
      id,
      model: spec.model,
      deploymentId: spec.deploymentId,
      build: spec.build,
      origin,
      pid: current?.pid ?? null,
      state,
      restarts,
      startedAt,
      loadWarnings: current?.load()?.warnings ?? [],
    };
  }

  function nextReady(): Promise<ReplicaInfo> {
    const promise = new Promise<ReplicaInfo>((resolve, reject) => waiters.push({ resolve, reject }));
    promise.catch(() => {});
    return promise;
  }

  function settleWaiters(error?: Error): void {
    const settled = waiters;
    waiters = [];
    for (const waiter of settled) {
      if (error) waiter.reject(error);
      else waiter.resolve(info());
    }
  }

  function launch(cause: ReadyCause): void {
    origin = null;
    readySince = null;
    startedAt = new Date().toISOString();
    const { runtime } = options;
    const given = options.socketPath();
    // A runtime that binds its own socket gets a private folder for it (the sandbox mounts only
    // that folder writable, never the run folder holding every replica's socket).
    const socketFolder = runtime.takesListenFd ? null : given.replace(/\.sock$/, '');
    if (socketFolder !== null) fs.mkdirSync(socketFolder, { recursive: true, mode: 0o700 });
    const socketPath = socketFolder === null ? given : `${socketFolder}/s`;
    const cgroup = makeCgroup();
    const launched = runtime.launch({ interpreter: spec.python, file: spec.file, function: spec.function, socket: socketPath });
    const command = options.wrap({
      command: launched.command,
      args: launched.args,
      cwd: spec.buildDir,
      ...(socketFolder === null ? {} : { socketFolder }),
      env: replicaEnv({
        daemonEnv: options.daemonEnv,
        deploymentEnv: spec.env,
        runtimeDir: options.runtimeDir,
        runtimeEnv: runtime.env(spec.env, spec.library ?? null),
        python: spec.python,
        replicaId: id,
        concurrency: spec.concurrency,
        gatewayUrl: spec.gatewayUrl,
        maxRequestBytes: spec.maxRequestBytes,
      }),
    });
    const proc = spawnReplica({
      python: command.command,
      args: command.args,
      cwd: command.cwd,
      env: command.env,
      readyTimeoutMs: options.readyTimeoutMs,
      readyLine: runtime.readyLine,
      onLine: (stream, text, time) => log.write(stream, text, time),
    });
    // Right after spawn: the runtime is still starting Python, the model is not imported yet.
    if (cgroup !== null && proc.pid !== null && !cgroup.attach(proc.pid)) {
      log.write('slipway', 'could not move the process into its cgroup: its resource limits are advisory');
    }
    current = proc;
    live.add(proc);
    const pidNote = proc.pid === null ? '' : ` (pid ${proc.pid})`;
    log.write('slipway', cause === 'start' ? `starting${pidNote}` : `restart #${restarts} (${cause}): starting${pidNote}`);
    proc.ready.then(
      (readyOrigin) => {
        if (proc !== current || state === 'stopped') return;
        // Again once ready: whatever the launcher forked after the first move joins the cgroup.
        if (cgroup !== null && proc.pid !== null) cgroup.attach(proc.pid);
        origin = readyOrigin;
        state = 'ready';
        everReady = true;
        readySince = Date.now();
        log.write('slipway', `ready at ${readyOrigin}${pidNote}`);
        settleWaiters();
        options.emit('ready', info(), cause);
      },
      (error: unknown) => {
        if (!(error instanceof NotReadyError)) return;
        notReady.set(proc, error.detail);
        if (error.detail.reason === 'timeout') log.write('slipway', `not ready after ${options.readyTimeoutMs / 1000}s: killed`);
        if (error.detail.reason === 'spawn') log.write('slipway', error.detail.message);
      },
    );
    const ended = proc.exited.then((exit) => {
      // A process killed before it could clean up leaves its socket file behind.
      fs.rmSync(socketFolder ?? socketPath, { force: true, recursive: socketFolder !== null });
      const oomKilled = cgroup?.oomKilled() ?? false;
      cgroup?.remove();
      if (oomKilled) log.write('slipway', `killed by its memory limit (resources.memory: ${spec.resources?.memory})`);
      onExit(proc, exit);
      return oomKilled;
    });
    latestEnd = ended;
  }

  function makeCgroup(): ReplicaCgroup | null {
    if (!options.cgroups || limits === null) return null;
    try {
      return createReplicaCgroup(options.cgroups, `${id}-${launches++}`, limits);
    } catch (error) {
      log.write('slipway', `cannot set resource limits: ${(error as Error).message}; they are advisory for this process`);
      return null;
    }
  }

  function onExit(proc: ReplicaProcess, exit: ReplicaExit): void {
    live.delete(proc);
    const expected = proc !== current || state === 'stopped';
    const exitInfo: ReplicaInfo = { ...info(), pid: proc.pid };
    if (expected) {
      options.emit('exit', exitInfo, { ...exit, expected });
      return;
    }
    const wasReady = state === 'ready';
    current = null;
    origin = null;
    if (!everReady) {
      // The first process never got ready: the deployment cannot start; `start` reports why.
      state = 'stopped';
      log.write('slipway', `exited before it was ready (${describeExit(exit)})`);
      const detail = notReady.get(proc);
      const failure: ReplicaStartFailure =
        detail?.reason === 'timeout'
          ? { reason: 'timeout', timeoutMs: options.readyTimeoutMs }
          : detail?.reason === 'spawn'
            ? { reason: 'spawn', message: detail.message }
            : { reason: 'exited', exit };
      const stderrTail = log.tail(['stderr', 'runtime'], STDERR_TAIL_LINES);
      const load = proc.load()?.error ?? null;
      settleWaiters(new ReplicaStartError({ model: spec.model, deploymentId: spec.deploymentId, replicaId: id, failure, stderrTail, load }));
      options.emit('exit', { ...exitInfo, state }, { ...exit, expected });
      return;
    }
    if (readySince !== null && Date.now() - readySince >= options.backoff.resetAfterMs) failures = 0;
    failures++;
    const delay = backoffDelay(failures, options.backoff);
    state = 'restarting';
    log.write('slipway', `exited (${describeExit(exit)}); restarting in ${delay / 1000}s`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      restarts++;
      launch('restart');
    }, delay);
    if (wasReady) options.emit('unready', { ...exitInfo, state }, 'exit');
    options.emit('exit', { ...exitInfo, state }, { ...exit, expected });
  }

  function replace(reason?: string): Promise<ReplicaInfo> {
    if (state === 'stopped') return Promise.reject(new Error(`replica ${id} is stopped and cannot be replaced`));
    const old = current;
    const before = info();
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = null;
    log.write('slipway', `replaced${reason ? ` (${reason})` : ''}${old?.pid ? `: killing pid ${old.pid}` : ''}`);
    restarts++;
    state = 'restarting';
    const ready = nextReady();
    launch('replace');
    if (before.state === 'ready') options.emit('unready', { ...before, state }, 'replace');
    old?.signal('SIGKILL');
    return ready;
  }

  async function stopAll(graceMs: number): Promise<void> {
    const before = info();
    state = 'stopped';
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = null;
    settleWaiters(new Error(`replica ${id} was stopped before it was ready`));
    if (before.state === 'ready') options.emit('unready', { ...before, state }, 'stop');
    const procs = [...live];
    if (procs.length) log.write('slipway', `stopping: SIGTERM, SIGKILL after ${graceMs / 1000}s`);
    for (const proc of procs) proc.signal('SIGTERM');
    const killTimer = setTimeout(() => procs.forEach((proc) => proc.signal('SIGKILL')), graceMs);
    const exits = await Promise.all(procs.map((proc) => proc.exited));
    clearTimeout(killTimer);
    log.write('slipway', exits.length ? `stopped (${exits.map(describeExit).join(', ')})` : 'stopped');
    current = null;
    origin = null;
    await log.close();
  }

  const firstReady = nextReady();
  launch('start');

  return {
    id,
    info,
    firstReady,
    replace,
    latestEnd: () => latestEnd,
    stop(graceMs) {
      stopping ??= stopAll(graceMs);
      return stopping;
    },
  };
}

/** The limits a deployment declares, as numbers; null when it declares none. */
function limitsOf(resources: DeploymentProcessSpec['resources']): ReplicaLimits | null {
  const memory = resources?.memory ? memoryBytes(resources.memory) : null;
  const cpus = resources?.cpu ? cpuCores(resources.cpu) : null;
  return memory === null && cpus === null ? null : { memoryBytes: memory, cpus };
}
