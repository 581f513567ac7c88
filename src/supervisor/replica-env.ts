// The environment a replica process gets. A deployment does not inherit the daemon's environment
// (as in CML, and so the daemon's secrets never reach model code): only a few variables a process
// needs to run at all are taken from the daemon, then the deployment's own, then the runtime's
// (src/runtimes/: PYTHONPATH for Python, R_LIBS_USER for R), then Slipway's.
import path from 'node:path';

/** Daemon variables passed through, because an interpreter and the tools it starts need them. */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG'] as const;

export type ReplicaEnvInput = {
  /** The daemon's environment (`process.env`). */
  daemonEnv: NodeJS.ProcessEnv;
  /** The deployment's resolved variables. */
  deploymentEnv: Record<string, string>;
  /** The runtime adapter's variables (`RuntimeAdapter.env`), over the deployment's own. */
  runtimeEnv: Record<string, string>;
  /** The interpreter; when absolute, its folder goes first on PATH as a virtualenv's activation does. */
  interpreter: string;
  replicaId: string;
  concurrency: number;
  gatewayUrl: string;
  /** The runtime refuses larger request bodies with 413 (SLIPWAY_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
};

/** Builds a replica's environment: inherited basics < deployment env < runtime's < Slipway's variables. */
export function replicaEnv(input: ReplicaEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = input.daemonEnv[name];
    if (value !== undefined) env[name] = value;
  }
  if (path.isAbsolute(input.interpreter) && input.deploymentEnv.PATH === undefined) {
    const bin = path.dirname(input.interpreter);
    env.PATH = env.PATH ? `${bin}${path.delimiter}${env.PATH}` : bin;
  }
  Object.assign(env, input.deploymentEnv, input.runtimeEnv);
  env.SLIPWAY_REPLICA_ID = input.replicaId;
  env.SLIPWAY_CONCURRENCY = String(input.concurrency);
  env.SLIPWAY_GATEWAY_URL = input.gatewayUrl;
  if (input.maxRequestBytes !== undefined) env.SLIPWAY_MAX_REQUEST_BYTES = String(input.maxRequestBytes);
  // The replica stops by itself if this process dies without stopping it (see the runtime's main.py).
  env.SLIPWAY_PARENT_PID = String(process.pid);
  return env;
}
