// The replica supervisor's public types: what the daemon asks it to run and what it reports back.
import type { SandboxPolicy } from '../sandbox/launcher.ts';
import type { LoadFinding } from './load-report.ts';

/** One deployment's processes, as the daemon asks the supervisor to run them. */
export type DeploymentProcessSpec = {
  model: string;
  build: number;
  deploymentId: number;
  /** Absolute path of the build folder: the replicas' working directory. */
  buildDir: string;
  /** The interpreter to run (the build's virtualenv python, `python3`, or Rscript for R). */
  python: string;
  /** The build's `runtime` (`python3` when absent): picks the adapter in src/runtimes/. */
  runtime?: string;
  /** The build's R library folder (`.slipway/deps/<hash>/library`), mounted read-only; null: none. */
  library?: string | null;
  /** The model's file, as the runtime takes it (relative to `buildDir`). */
  file: string;
  function: string;
  replicas: number;
  /** The deployment's variables, already resolved: the only ones the model sees besides Slipway's own. */
  env: Record<string, string>;
  /** Calls one replica serves at once. */
  concurrency: number;
  /** Where the runtime's `call_model` reaches other models. */
  gatewayUrl: string;
  /** What the sandbox lets the replicas reach; default `DEPLOYED_POLICY` (network on, nothing extra). */
  sandbox?: SandboxPolicy;
  /** Request bodies over this many bytes are refused by the runtime too (default: the runtime's 5 MiB). */
  maxRequestBytes?: number;
  /** Values of the deployment's `fromEnv` variables: written as `***` in its replicas' logs. */
  secrets?: string[];
  /** Kubernetes quantities; enforced with cgroups where the supervisor has them (src/limits/). */
  resources?: { cpu: string | null; memory: string | null };
};

/**
 * `starting`: first process of the slot not ready yet. `ready`: serving at `origin`.
 * `restarting`: a new process is on its way after a crash or a replace. `stopped`: gone for good.
 */
export type ReplicaState = 'starting' | 'ready' | 'restarting' | 'stopped';

/**
 * A replica slot. Its `id` stays the same across restarts and replaces (so counters and logs stay
 * with it); its `pid` and `origin` change with each process.
 */
export type ReplicaInfo = {
  id: string;
  model: string;
  deploymentId: number;
  build: number;
  /** `unix:<socket path>` of the current process once it is ready, else null. */
  origin: string | null;
  /** Current process id, or null between processes. */
  pid: number | null;
  state: ReplicaState;
  /** New processes started in this slot after the first one (crash restarts and replaces). */
  restarts: number;
  /** ISO time the current process was started. */
  startedAt: string;
  /** Warnings the model emitted while its current process imported it (see load-report.ts). */
  loadWarnings?: LoadFinding[];
};

/**
 * `stdout` / `stderr`: what the model printed. `runtime`: the Python runtime's own lines (serving,
 * import tracebacks; written to stderr). `slipway`: the supervisor's notes (started, exited,
 * restarting, replaced, stopped).
 */
export type LogStream = 'stdout' | 'stderr' | 'runtime' | 'slipway';

/** One line of a replica's output. The log file holds `{time, stream, text}` per line. */
export type LogLine = { time: string; stream: LogStream; text: string; replicaId: string };

/** How a replica process ended. */
export type ReplicaExit = { code: number | null; signal: NodeJS.Signals | null };

export type ReadyCause = 'start' | 'restart' | 'replace';
export type UnreadyCause = 'exit' | 'replace' | 'stop';

/** Events of `Supervisor.events` (a Node EventEmitter), with their listener arguments. */
export type SupervisorEvents = {
  /** A replica became ready; `info.origin` is where to send its calls from now on. */
  ready: [info: ReplicaInfo, cause: ReadyCause];
  /** A replica must get no more calls; `info.origin` is the origin it had. */
  unready: [info: ReplicaInfo, cause: UnreadyCause];
  /** A replica process ended; `expected` is true when the supervisor ended it. */
  exit: [info: ReplicaInfo, exit: ReplicaExit & { expected: boolean }];
};

export type BackoffOptions = {
  /** Delay before the first restart after a crash. */
  initialMs: number;
  /** Upper bound of the doubling delay. */
  maxMs: number;
  /** A replica that stayed ready this long starts again from `initialMs` at its next crash. */
  resetAfterMs: number;
};
