// The local backend's replica supervisor: runs each deployment as N runtime processes, each on a
// Unix domain socket in a private run folder,
// keeps them running (restart with backoff after a crash, replace after a hung call), stops them,
// and keeps their output. The daemon routes calls by the `ready` / `unready` events: a restarted or
// replaced replica keeps its id but comes back on a new origin, announced by a new `ready` event.
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { DEPLOYED_POLICY, type ReplicaLauncher } from '../sandbox/launcher.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import path from 'node:path';
import { DEFAULT_BACKOFF } from './replica-backoff.ts';
import { createReplicaLogs } from './replica-logs.ts';
import { createReplicaSlot, type ReplicaSlot } from './replica-slot.ts';
import { privateTempRunDir } from './run-dir.ts';
import type { CgroupSupport } from '../limits/cgroups.ts';
import type { BackoffOptions, DeploymentProcessSpec, LogLine, ReplicaInfo, SupervisorEvents } from './supervisor-types.ts';
import { isModelName } from '../spec/model-name.ts';
import { runtimeAdapter } from '../runtimes/runtime-registry.ts';

export type SupervisorOptions = {
  /** `<repo>/runtime/python`: the folder holding the `slipway_runtime` package. */
  runtimeDir: string;
  /** Replica logs go to `<logDir>/<model>/<replicaId>.log`. */
  logDir: string;
  /**
   * The private folder (0700) where replicas' sockets go (`replicaRunDir`); default a fresh
   * private folder under the temp folder.
   */
  runDir?: string;
  onReplicaReady?: (...args: SupervisorEvents['ready']) => void;
  onReplicaUnready?: (...args: SupervisorEvents['unready']) => void;
  onReplicaExit?: (...args: SupervisorEvents['exit']) => void;
  /** Time a process has from spawn to ready (importing the model included); default 120 s. */
  readyTimeoutMs?: number;
  /** Crash restart delays; default 0.1 s doubling to 10 s, reset after 30 s up. */
  backoff?: Partial<BackoffOptions>;
  /** Lines kept in memory per replica; default 1000. */
  logRingSize?: number;
  /** Where PATH, HOME and LANG are taken from; default `process.env`. Nothing else of it reaches a replica. */
  daemonEnv?: NodeJS.ProcessEnv;
  /** How replica processes are run: in a sandbox, or plain (the default). */
  launcher?: ReplicaLauncher;
  /** Where memory and cpu limits are enforced (`probeCgroups`); default none: limits are advisory. */
  cgroups?: CgroupSupport | null;
};

export type Supervisor = {
  /** `ready`, `unready` and `exit` events (see `SupervisorEvents`). */
  events: EventEmitter<SupervisorEvents>;
  /**
   * Starts the deployment's replicas; resolves once every one is ready. When one exits or times out
   * before ready, the others are killed and it rejects with a `ReplicaStartError` (stderr tail inside).
   */
  start(spec: DeploymentProcessSpec): Promise<ReplicaInfo[]>;
  /** Kills a replica (SIGKILL: it hung) and starts a new process in its slot; resolves when ready again. */
  replace(replicaId: string, reason?: string): Promise<ReplicaInfo>;
  /** SIGTERM to the deployment's processes, SIGKILL after `graceMs` (default 10 s); resolves once all ended. */
  stop(deploymentId: number, options?: { graceMs?: number }): Promise<void>;
  /** Stops every deployment (daemon shutdown). */
  stopAll(options?: { graceMs?: number }): Promise<void>;
  /** Replicas of running deployments, optionally of one model or deployment. */
  list(filter?: { model?: string; deploymentId?: number }): ReplicaInfo[];
  /** Lines newest first, of all the model's replicas or one; at most `limit` (default 100). */
  logs(model: string, options?: { replicaId?: string; limit?: number }): LogLine[];
  /** Calls `onLine` with each new line of the model's replicas; returns the unsubscribe function. */
  follow(model: string, onLine: (line: LogLine) => void): () => void;
  /**
   * Resolves once the replica's latest process has ended: true when its memory limit killed it
   * (false for an unknown replica). Pending while that process runs.
   */
  killedByMemoryLimit(replicaId: string): Promise<boolean>;
};

const DEFAULT_READY_TIMEOUT_MS = 120_000;
const DEFAULT_GRACE_MS = 10_000;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Creates a supervisor; it starts nothing until `start` is called. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const events = new EventEmitter<SupervisorEvents>();
  if (options.onReplicaReady) events.on('ready', options.onReplicaReady);
  if (options.onReplicaUnready) events.on('unready', options.onReplicaUnready);
  if (options.onReplicaExit) events.on('exit', options.onReplicaExit);
  const logStore = createReplicaLogs({ logDir: options.logDir, ringSize: options.logRingSize });
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deployments = new Map<number, ReplicaSlot[]>();
  let runDir = options.runDir;
  // Short names keep socket paths under the kernel's 108 bytes; the prefix keeps two supervisors
  // sharing a folder apart.
  const socketPrefix = randomSuffix() + randomSuffix().slice(0, 3);
  let sockets = 0;
  const socketPath = (): string => {
    runDir ??= privateTempRunDir();
    return path.join(runDir, `${socketPrefix}-${(sockets++).toString(36)}.sock`);
  };

  // A throwing listener must not leave a slot half-updated: slots emit last, and the error is
  // rethrown outside the supervisor's own code path, where Node reports it.
  function emit<E extends keyof SupervisorEvents>(event: E, ...args: SupervisorEvents[E]): void {
    try {
      (events.emit as (event: E, ...args: SupervisorEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  async function start(spec: DeploymentProcessSpec): Promise<ReplicaInfo[]> {
    const problem = specProblem(spec);
    if (problem) throw new Error(`cannot start deployment ${spec.deploymentId} of "${spec.model}": ${problem}`);
    // Checked here because a missing working directory makes spawn report the interpreter as missing.
    if (!fs.statSync(spec.buildDir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`cannot start deployment ${spec.deploymentId} of "${spec.model}": build folder ${spec.buildDir} does not exist; rebuild the model`);
    }
    if (deployments.has(spec.deploymentId)) {
      throw new Error(`deployment ${spec.deploymentId} is already running; stop it before starting it again`);
    }
    const slots: ReplicaSlot[] = [];
    deployments.set(spec.deploymentId, slots);
    let wrap;
    let runtime;
    try {
      runtime = runtimeAdapter(spec.runtime, { python: options.runtimeDir });
      const launcher = options.launcher ?? plainLauncher;
      const policy = spec.sandbox ?? DEPLOYED_POLICY;
      const library = spec.library ? [spec.library] : [];
      wrap = await launcher.prepare({ buildDir: spec.buildDir, python: spec.python, runtimeDir: runtime.runtimeDir, policy: { ...policy, paths: [...policy.paths, ...library] } });
    } catch (error) {
      deployments.delete(spec.deploymentId);
      throw new Error(`cannot start deployment ${spec.deploymentId} of "${spec.model}": ${(error as Error).message}`);
    }
    for (let i = 0; i < spec.replicas; i++) {
      const id = `${spec.model}-${spec.build}-${spec.deploymentId}-${randomSuffix()}`;
      slots.push(
        createReplicaSlot({
          id,
          spec,
          runtimeDir: options.runtimeDir,
          runtime,
          wrap,
          daemonEnv: options.daemonEnv ?? process.env,
          log: logStore.open(spec.model, id),
          socketPath,
          cgroups: options.cgroups ?? null,
          readyTimeoutMs,
          backoff,
          emit,
        }),
      );
    }
    try {
      return await Promise.all(slots.map((slot) => slot.firstReady));
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.stop(0)));
      if (deployments.get(spec.deploymentId) === slots) deployments.delete(spec.deploymentId);
      throw error;
    }
  }

  function findSlot(replicaId: string): ReplicaSlot | undefined {
    for (const slots of deployments.values()) {
      const slot = slots.find((candidate) => candidate.id === replicaId);
      if (slot) return slot;
    }
    return undefined;
  }

  async function replace(replicaId: string, reason?: string): Promise<ReplicaInfo> {
    const slot = findSlot(replicaId);
    if (!slot) throw new Error(`no running replica "${replicaId}"; list() shows the running ones`);
    return slot.replace(reason);
  }

  async function stop(deploymentId: number, stopOptions: { graceMs?: number } = {}): Promise<void> {
    const slots = deployments.get(deploymentId);
    if (!slots) return;
    const graceMs = stopOptions.graceMs ?? DEFAULT_GRACE_MS;
    await Promise.all(slots.map((slot) => slot.stop(graceMs)));
    if (deployments.get(deploymentId) === slots) deployments.delete(deploymentId);
  }

  async function stopAll(stopOptions: { graceMs?: number } = {}): Promise<void> {
    await Promise.all([...deployments.keys()].map((id) => stop(id, stopOptions)));
  }

  function list(filter: { model?: string; deploymentId?: number } = {}): ReplicaInfo[] {
    const infos: ReplicaInfo[] = [];
    for (const [deploymentId, slots] of [...deployments].sort(([a], [b]) => a - b)) {
      if (filter.deploymentId !== undefined && filter.deploymentId !== deploymentId) continue;
      for (const slot of slots) {
        const info = slot.info();
        if (filter.model === undefined || filter.model === info.model) infos.push(info);
      }
    }
    return infos;
  }

  function killedByMemoryLimit(replicaId: string): Promise<boolean> {
    return findSlot(replicaId)?.latestEnd() ?? Promise.resolve(false);
  }

  return { events, start, replace, stop, stopAll, list, logs: logStore.logs, follow: logStore.follow, killedByMemoryLimit };
}

/** What is wrong with a spec, or null. */
function specProblem(spec: DeploymentProcessSpec): string | null {
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) return `replicas must be a positive integer, got ${spec.replicas}`;
  if (!Number.isInteger(spec.concurrency) || spec.concurrency < 1) return `concurrency must be a positive integer, got ${spec.concurrency}`;
  if (!isModelName(spec.model)) return `model name "${spec.model}" is not a DNS label (lowercase letters, digits, '-')`;
  return null;
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return suffix;
}
