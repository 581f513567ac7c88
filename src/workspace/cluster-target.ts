// `--target <name>` (and the flags that stand in for one) on plan and apply: the kubernetes
// backend of a target, or null when the command runs against the local daemon.
import { clusterSecretDigest } from '../backends/kubernetes/digest-key.ts';
import { createKubernetesBackend, type KubernetesBackend } from '../backends/kubernetes/kubernetes-backend.ts';
import { resolveKubernetesTarget } from '../backends/kubernetes/target-options.ts';
import { withSecretDigests } from '../spec/merge-env.ts';
import type { KubernetesTarget, Spec } from '../spec/types.ts';
import type { TargetFlags } from '../backends/kubernetes/target-options.ts';
import { UserError } from './user-error.ts';
import { skopeoDigestLookup, withBaseDigests } from '../build/base-digests.ts';
import type { BuildKeys } from '../source/types.ts';

export type ClusterFlags = TargetFlags & { kubeconfig?: string };

/** True when the flags name a kubernetes target (or stand in for one); false for this machine. */
export function wantsCluster(spec: Spec, flags: ClusterFlags): boolean {
  if (flags.target === undefined) return flags.registry !== undefined;
  return spec.targets?.[flags.target]?.backend !== 'local';
}

export type Cluster = {
  backend: KubernetesBackend;
  target: KubernetesTarget;
  /** The target's registry credentials, read from the environment; null when it declares none. */
  credentials: { username: string; password: string } | null;
};

/** The cluster the flags name, or null for the local backend (see `wantsCluster`). */
export function clusterFor(spec: Spec, flags: ClusterFlags, log: (line: string) => void): Cluster | null {
  if (!wantsCluster(spec, flags)) return null;
  const resolved = resolveKubernetesTarget(spec, flags, process.env);
  if (!resolved.ok) throw new UserError(resolved.message);
  const { target } = resolved;
  const backend = createKubernetesBackend({
    kubeconfig: flags.kubeconfig,
    context: target.context ?? undefined,
    namespace: target.namespace,
    project: spec.project,
    registry: target.registry,
    imagePullSecret: target.imagePullSecret,
    pullCredentials: resolved.pullCredentials,
    progressDeadlineSeconds: target.rolloutTimeoutSeconds,
    lock: { timeoutMs: target.lockTimeoutSeconds * 1000 },
    env: process.env,
    log,
  });
  return { backend, target, credentials: resolved.pullCredentials };
}

/**
 * `spec` with its secrets digested by the cluster's key rather than the local store's, so plans
 * compare them with what the cluster's records hold. Applies (`create`) make the key when the
 * namespace has none yet.
 */
export async function withClusterDigests(cluster: Cluster, spec: Spec, opts: { create: boolean; env?: NodeJS.ProcessEnv }): Promise<Spec> {
  const digest = await clusterSecretDigest(cluster.backend.api, { create: opts.create });
  return withSecretDigests(spec, { env: opts.env ?? process.env, digest });
}

/**
 * `keys` with each model's base image pinned by the digest it has now (build/base-digests.ts), as
 * every plan for an image target computes them, so plan, check and apply agree.
 * @throws UserError when a base image's digest cannot be told.
 */
export async function withPinnedBases(cluster: Cluster, keys: BuildKeys): Promise<BuildKeys> {
  const host = cluster.target.registry.split('/')[0];
  const lookup = skopeoDigestLookup({ tlsVerify: (image) => !(cluster.target.insecureRegistry && image.split('/')[0] === host) });
  const pinned = await withBaseDigests(keys, lookup);
  if (!pinned.ok) throw new UserError(pinned.message);
  return pinned.keys;
}
