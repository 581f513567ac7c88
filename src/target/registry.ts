// Picks the Target a command or a CI flow acts on, from the models file's target (`--target`, or
// the flags standing in for one): this machine or a Kubernetes namespace. The one place that asks
// which; the Kubernetes implementation (and @kubernetes/client-node) loads only when named.
import { loadDesired } from '../apply/desired.ts';
import type { Spec } from '../spec/types.ts';
import { wantsCluster, type ClusterFlags } from '../workspace/cluster-target.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import { UserError } from '../workspace/user-error.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { localTarget } from './local-target.ts';
import type { Target, TargetKind } from './target.ts';

export type TargetFlags = ClusterFlags & { file?: string };

export type OpenTargetOptions = {
  /** The workspace and spec the command has loaded already; else read when a target is named. */
  ws?: Workspace;
  spec?: Spec;
  /** Port of a daemon the local target starts. */
  port?: number;
  /** Progress lines of the target's client. */
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
};

type TargetFactory = (flags: TargetFlags, opts: OpenTargetOptions & { ws?: Workspace; spec?: Spec }) => Promise<Target>;

/** Implementations by kind. */
export const targets: Record<TargetKind, TargetFactory> = {
  local: async (_flags, opts) => localTarget({ ws: opts.ws, port: opts.port }),
  kubernetes: async (flags, opts) => {
    const { kubernetesTarget } = await import('./kubernetes-target.ts');
    return kubernetesTarget({ ws: opts.ws!, spec: opts.spec!, flags, log: opts.log, env: opts.env });
  },
};

/** Which kind of target the flags name in `spec`. */
export function targetKind(spec: Spec, flags: ClusterFlags): TargetKind {
  return wantsCluster(spec, flags) ? 'kubernetes' : 'local';
}

/**
 * The target the flags name. With no `--target` (nor `--registry`) it is this machine, and the
 * models file is not read; otherwise the models file says what the target is.
 */
export async function openTarget(flags: TargetFlags, opts: OpenTargetOptions): Promise<Target> {
  if (flags.target === undefined && flags.registry === undefined) return targets.local(flags, opts);
  const ws = opts.ws ?? (await openWorkspace({ file: flags.file }));
  let spec = opts.spec;
  if (!spec) {
    const desired = await loadDesired(ws, { secretDigest: secretDigestIfStore(ws.root) });
    if (!desired.ok) throw new UserError(desired.message);
    spec = desired.spec;
  }
  return targets[targetKind(spec, flags)](flags, { ...opts, ws, spec });
}
