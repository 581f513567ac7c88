// A candidate build served by one replica of its own, outside the daemon, so a pull request's
// examples can be called without deploying anything: its own supervisor, started on the build
// folder, called on the replica's `POST /invoke` directly, then stopped.
import path from 'node:path';
import { ensurePrivateDir } from '../supervisor/run-dir.ts';
import { invoke } from '../apply/replica-invoke.ts';
import type { CallModel } from '../apply/test-calls.ts';
import { readBuildInfo } from '../build/build-info.ts';
import { createSupervisor, type Supervisor } from '../supervisor/supervisor.ts';
import type { ReplicaLauncher, SandboxPolicy } from '../sandbox/launcher.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { StoredBuild } from '../store/builds.ts';

export type Throwaway = {
  /** Calls the replica with `input` (the model name is ignored: there is one model). */
  call: CallModel;
  /** Stops the replica (calls in flight finish first). */
  stop(): Promise<void>;
};

export type ThrowawayOptions = {
  /** The deployment's variables, resolved (secrets included): what the model will see when deployed. */
  env: Record<string, string>;
  /** Where the model's `call_model` reaches other models; empty when no gateway runs. */
  gatewayUrl: string;
  /** Folder for the replica's log files (a temp folder the caller removes). */
  logDir: string;
  /** The sandbox candidates run in (plain only with --unsafe-candidates). */
  launcher: ReplicaLauncher;
  /** What the sandbox lets the candidate reach: no network unless the model asks and the PR is not a fork. */
  policy: SandboxPolicy;
};

// A throwaway deployment is never recorded; its id only has to be unique within its supervisor.
const THROWAWAY_DEPLOYMENT = 0;

/** Starts one replica of `build`; rejects (the replica stopped) when it does not become ready. */
export async function startThrowaway(model: ModelSpec, build: StoredBuild, opts: ThrowawayOptions): Promise<Throwaway> {
  if (!build.artifact) throw new Error(`build #${build.number} of ${model.name} has no build folder; rebuild it`);
  const info = await readBuildInfo(build.artifact);
  if (!info.ok) throw new Error(info.message);
  // The socket goes beside the logs, in the caller's temp folder, which goes with it.
  const runDir = ensurePrivateDir(path.join(opts.logDir, 'run'));
  const supervisor: Supervisor = createSupervisor({ logDir: opts.logDir, runDir, launcher: opts.launcher });
  const [replica] = await supervisor.start({
    model: model.name,
    build: build.number,
    deploymentId: THROWAWAY_DEPLOYMENT,
    buildDir: build.artifact,
    interpreter: info.info.python,
    file: info.info.file,
    function: info.info.function,
    replicas: 1,
    env: opts.env,
    concurrency: 1,
    gatewayUrl: opts.gatewayUrl,
    sandbox: opts.policy,
  });
  const timeoutMs = model.serving.timeoutSeconds * 1000;
  return {
    call: async (_name, input) => {
      // The supervisor restarts a crashed replica on a new port: ask for the current origin each call.
      const origin = supervisor.list().find((r) => r.id === replica.id)?.origin ?? replica.origin;
      if (!origin) return { ok: false, status: 503, message: 'the replica is not ready' };
      return invoke(origin, input, timeoutMs);
    },
    stop: () => supervisor.stop(THROWAWAY_DEPLOYMENT, { graceMs: 5000 }),
  };
}
