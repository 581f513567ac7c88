// The environment a replica process gets. A deployment does not inherit the daemon's environment
// (as in CML, and so the daemon's secrets never reach model code): only a few variables a process
// needs to run at all are taken from the daemon, then the deployment's own, then Slipway's.
import path from 'node:path';

/** Daemon variables passed through, because Python and the tools it starts need them. */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG'] as const;

export type ReplicaEnvInput = {
  /** The daemon's environment (`process.env`). */
  daemonEnv: NodeJS.ProcessEnv;
  /** The deployment's resolved variables. */
  deploymentEnv: Record<string, string>;
  /** `<repo>/runtime/python`, put first on PYTHONPATH so `-m slipway_runtime` finds the runtime. */
  runtimeDir: string;
  /**
   * The runtime adapter's variables (src/runtimes/), replacing the Python ones built from
   * `runtimeDir`: R replicas get R_LIBS_USER instead of PYTHONPATH.
   */
  runtimeEnv?: Record<string, string>;
  /** The interpreter; when absolute, its folder goes first on PATH as a virtualenv's activation does. */
  python: string;
  replicaId: string;
  concurrency: number;
  gatewayUrl: string;
  /** The runtime refuses larger request bodies with 413 (SLIPWAY_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
};

/** Builds a replica's environment: inherited basics < deployment env < Slipway's variables. */
export function replicaEnv(input: ReplicaEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = input.daemonEnv[name];
    if (value !== undefined) env[name] = value;
  }
  if (path.isAbsolute(input.python) && input.deploymentEnv.PATH === undefined) {
    const bin = path.dirname(input.python);
    env.PATH = env.PATH ? `${bin}${path.delimiter}${env.PATH}` : bin;
  }
  // Output reaches the logs line by line, not when a buffer fills; the deployment may override it.
  env.PYTHONUNBUFFERED = '1';
  Object.assign(env, input.deploymentEnv);
  if (input.runtimeEnv !== undefined) {
    Object.assign(env, input.runtimeEnv);
  } else {
    const userPythonPath = input.deploymentEnv.PYTHONPATH;
    env.PYTHONPATH = userPythonPath ? `${input.runtimeDir}${path.delimiter}${userPythonPath}` : input.runtimeDir;
  }
  env.SLIPWAY_REPLICA_ID = input.replicaId;
  env.SLIPWAY_CONCURRENCY = String(input.concurrency);
  env.SLIPWAY_GATEWAY_URL = input.gatewayUrl;
  if (input.maxRequestBytes !== undefined) env.SLIPWAY_MAX_REQUEST_BYTES = String(input.maxRequestBytes);
  // The replica stops by itself if this process dies without stopping it (see the runtime's main.py).
  env.SLIPWAY_PARENT_PID = String(process.pid);
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}
