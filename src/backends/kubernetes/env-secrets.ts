// The env Secrets of a model's fromEnv values. A pod reads Secret values only when a container
// starts, so a Secret changed in place (or deleted) before a rollout finishes would give an old pod
// that restarts the new values, or CreateContainerConfigError: the previous deployment would not
// keep serving as it was. Each content gets its own immutable Secret instead
// (https://kubernetes.io/docs/concepts/configuration/secret/#secret-immutable), named by a keyed
// digest of the values (the namespace's digest key: the name never lets anyone guess a value), and
// an old one is deleted only once no ReplicaSet with pods and no deployment that may be serving
// refers to it.
import { createHash } from 'node:crypto';
import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet, V1Secret } from '@kubernetes/client-node';
import { clusterSecretDigest } from './digest-key.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { envSecret } from './model-secrets.ts';
import { label, MANAGED_BY, selectorString } from './names.ts';

type Owner = { project: string; namespace: string; model: string };

/** Creates the immutable Secret of `values` unless it exists; returns its name. */
export async function ensureEnvSecret(api: KubeApi, owner: Owner, values: Record<string, string>): Promise<string> {
  const digest = await clusterSecretDigest(api, { create: true });
  if (!digest) throw new Error('no secret digest key in the namespace');
  const pairs = Object.keys(values).sort().map((name) => [name, digest(name, values[name])]);
  const contentId = createHash('sha256').update(JSON.stringify(pairs)).digest('hex').slice(0, 10);
  const secret = envSecret(owner, values, contentId);
  try {
    await api.create<V1Secret>(secret);
  } catch (error) {
    // The same content, already there: immutable, so it holds these values.
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
  }
  return secret.metadata!.name!;
}

/** Names of the Secrets a pod template reads env values from. */
export function secretsOf(template: V1PodTemplateSpec | undefined): Set<string> {
  const names = new Set<string>();
  for (const container of template?.spec?.containers ?? []) {
    for (const env of container.env ?? []) if (env.valueFrom?.secretKeyRef?.name) names.add(env.valueFrom.secretKeyRef.name);
  }
  return names;
}

/** Deletes every env Secret of a deleted model: its pods are going, and read their values when they started. */
export async function removeEnvSecrets(api: KubeApi, model: string): Promise<void> {
  const secrets = await api.list<V1Secret>('v1', 'Secret', selectorString({ [label.model]: model, [label.secret]: 'env' }));
  for (const secret of secrets) if (secret.metadata?.name) await api.remove({ apiVersion: 'v1', kind: 'Secret', name: secret.metadata.name });
}

/**
 * Deletes the model's env Secrets that neither a ReplicaSet with pods (wanted or still running)
 * nor `keep` (the Secrets of deployments that may be serving) refers to. Returns the deleted names.
 */
export async function collectEnvSecrets(api: KubeApi, model: string, keep: Iterable<string>): Promise<string[]> {
  const own = selectorString({ [label.managedBy]: MANAGED_BY, [label.model]: model });
  const [secrets, replicaSets, deployments] = await Promise.all([
    api.list<V1Secret>('v1', 'Secret', selectorString({ [label.model]: model, [label.secret]: 'env' })),
    api.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', own),
    api.list<V1Deployment>('apps/v1', 'Deployment', own),
  ]);
  // Pods of a Deployment scaled to 0 (the previous deployment, after the switch) are terminating:
  // a terminating pod's containers are not started again, so they need their Secret no more.
  const retired = new Set(deployments.filter((d) => d.spec?.replicas === 0).map((d) => d.metadata?.name));
  const used = new Set(keep);
  for (const rs of replicaSets) {
    if (rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && retired.has(o.name))) continue;
    if ((rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0) for (const name of secretsOf(rs.spec?.template)) used.add(name);
  }
  const deleted: string[] = [];
  for (const secret of secrets) {
    const name = secret.metadata?.name;
    if (!name || used.has(name)) continue;
    if (await api.remove({ apiVersion: 'v1', kind: 'Secret', name })) deleted.push(name);
  }
  return deleted;
}
