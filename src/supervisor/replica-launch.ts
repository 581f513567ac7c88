// Starting one process in a replica slot: its socket, its cgroup, the runtime's command wrapped by
// the launcher (a sandbox, or none), the replica's environment, and the spawn. What happens when it
// is ready or ends is the slot's business (replica-slot.ts).
import fs from 'node:fs';
import type { CgroupSupport } from '../limits/cgroups.ts';
import { cpuCores, memoryBytes } from '../limits/quantity.ts';
import { createReplicaCgroup, type ReplicaCgroup, type ReplicaLimits } from '../limits/replica-cgroup.ts';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.ts';
import type { Wrap } from '../sandbox/launcher.ts';
import { replicaEnv } from './replica-env.ts';
import type { SlotLog } from './replica-logs.ts';
import { spawnReplica, type ReplicaProcess } from './replica-process.ts';
import type { DeploymentProcessSpec } from './supervisor-types.ts';

/** What a slot knows that each of its processes is started with. */
export type LaunchOptions = {
  id: string;
  spec: DeploymentProcessSpec;
  /** The build's runtime: its command, ready line and variables (src/runtimes/). */
  runtime: RuntimeAdapter;
  /** The launcher's wrapping of each process (a sandbox, or none). */
  wrap: Wrap;
  daemonEnv: NodeJS.ProcessEnv;
  /** A fresh socket path for each process the slot starts (in the daemon's private run folder). */
  socketPath: () => string;
  /** Where memory and cpu limits can be enforced; null: they are advisory. */
  cgroups?: CgroupSupport | null;
  readyTimeoutMs: number;
};

/** A started process, with its cgroup (null: limits advisory) and what to delete once it ended. */
export type LaunchedProcess = {
  proc: ReplicaProcess;
  cgroup: ReplicaCgroup | null;
  /** The socket file, or the private folder holding it, left behind by a process killed before it cleaned up. */
  leftover: { path: string; folder: boolean };
};

/**
 * Starts one process of slot `options.id`; `cgroupName` names its cgroup (unique per process).
 * Lines it prints go to `log`. The process is attached to its cgroup right after spawn.
 */
export function launchReplicaProcess(options: LaunchOptions, log: SlotLog, cgroupName: string): LaunchedProcess {
  const { runtime, spec } = options;
  const given = options.socketPath();
  // A runtime that binds its own socket gets a private folder for it (the sandbox mounts only
  // that folder writable, never the run folder holding every replica's socket).
  const socketFolder = runtime.takesListenFd ? null : given.replace(/\.sock$/, '');
  if (socketFolder !== null) fs.mkdirSync(socketFolder, { recursive: true, mode: 0o700 });
  const socketPath = socketFolder === null ? given : `${socketFolder}/s`;
  const cgroup = makeCgroup(options, log, cgroupName);
  const launched = runtime.launch({ interpreter: spec.interpreter, file: spec.file, function: spec.function, socket: socketPath });
  const command = options.wrap({
    command: launched.command,
    args: launched.args,
    cwd: spec.buildDir,
    ...(socketFolder === null ? {} : { socketFolder }),
    env: replicaEnv({
      daemonEnv: options.daemonEnv,
      deploymentEnv: spec.env,
      runtimeEnv: runtime.env(spec.env, spec.library ?? null),
      interpreter: spec.interpreter,
      replicaId: options.id,
      concurrency: spec.concurrency,
      gatewayUrl: spec.gatewayUrl,
      maxRequestBytes: spec.maxRequestBytes,
    }),
  });
  const proc = spawnReplica({
    command: command.command,
    args: command.args,
    cwd: command.cwd,
    env: command.env,
    readyTimeoutMs: options.readyTimeoutMs,
    readyLine: runtime.readyLine,
    onLine: (stream, text, time) => log.write(stream, text, time),
  });
  // Right after spawn: the runtime is still starting its interpreter, the model is not imported yet.
  if (cgroup !== null && proc.pid !== null && !cgroup.attach(proc.pid)) {
    log.write('slipway', 'could not move the process into its cgroup: its resource limits are advisory');
  }
  return { proc, cgroup, leftover: socketFolder === null ? { path: socketPath, folder: false } : { path: socketFolder, folder: true } };
}

function makeCgroup(options: LaunchOptions, log: SlotLog, name: string): ReplicaCgroup | null {
  const limits = limitsOf(options.spec.resources);
  if (!options.cgroups || limits === null) return null;
  try {
    return createReplicaCgroup(options.cgroups, name, limits);
  } catch (error) {
    log.write('slipway', `cannot set resource limits: ${(error as Error).message}; they are advisory for this process`);
    return null;
  }
}

/** The limits a deployment declares, as numbers; null when it declares none. */
function limitsOf(resources: DeploymentProcessSpec['resources']): ReplicaLimits | null {
  const memory = resources?.memory ? memoryBytes(resources.memory) : null;
  const cpus = resources?.cpu ? cpuCores(resources.cpu) : null;
  return memory === null && cpus === null ? null : { memoryBytes: memory, cpus };
}
