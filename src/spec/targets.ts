// The `targets` section: where models can be deployed. The schema checks each key's shape; this
// file applies defaults and refuses keys that mean nothing for the target's backend, so a
// `namespace` on a local target is an error rather than silently ignored.
import { parseFollowRef, parseInterval } from '../follow/follow-ref.ts';
import type { DataPath, Finding } from './data-path.ts';
import { isRecord } from './model-paths.ts';
import type { RawTarget } from './raw-spec.ts';
import type { KubernetesTarget, Target } from './types.ts';

/** Target defaults, as the schema documents them. */
export const targetDefaults = {
  rolloutTimeoutSeconds: 600,
  lockTimeoutSeconds: 300,
  gatewayReplicas: 2,
  gatewayServiceType: 'ClusterIP',
  metricsStoreSize: '1Gi',
} as const;

/** Kubernetes targets without a registry; keys a local target may not set (they only mean something on a cluster). */
export function checkTargets(spec: Record<string, unknown>): Finding[] {
  if (!isRecord(spec.targets)) return [];
  const findings: Finding[] = [];
  for (const [name, target] of Object.entries(spec.targets)) {
    if (isRecord(target) && target.backend === 'kubernetes' && target.registry === undefined) {
      findings.push({
        path: ['targets', name],
        message: 'a kubernetes target needs "registry": the image repository prefix models are pushed to and pulled from, e.g. registry.example.com/ml',
      });
    }
    if (isRecord(target) && target.backend === 'kubernetes' && target.follow !== undefined) {
      findings.push({
        path: ['targets', name, 'follow'],
        onKey: true,
        message: '"follow" only applies to local targets: a cluster is driven by CI (the Action on push), not by a daemon following a branch',
      });
    }
    if (!isRecord(target) || target.backend !== 'local') continue;
    if (isRecord(target.follow)) findings.push(...followFindings(name, target.follow));
    for (const key of Object.keys(target)) {
      if (key === 'backend' || key === 'follow') continue;
      const at: DataPath = ['targets', name, key];
      findings.push({ path: at, onKey: true, message: `"${key}" only applies to kubernetes targets; remove it or set backend: kubernetes` });
    }
  }
  return findings;
}

/** What the schema's patterns cannot say about `follow`: a branch name git accepts, an interval of at least 5 s. */
function followFindings(name: string, follow: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const checks: Array<[string, (text: string) => unknown]> = [
    ['branch', parseFollowRef],
    ['interval', parseInterval],
  ];
  for (const [key, parse] of checks) {
    if (typeof follow[key] !== 'string') continue;
    try {
      parse(follow[key]);
    } catch (error) {
      findings.push({ path: ['targets', name, 'follow', key], message: (error as Error).message.replace(/^--(follow|interval) /, '') });
    }
  }
  return findings;
}

/** Targets with defaults applied; undefined when models.yaml declares none. */
export function buildTargets(raw: Record<string, RawTarget> | undefined): Record<string, Target> | undefined {
  if (raw === undefined) return undefined;
  const targets: Record<string, Target> = {};
  for (const [name, target] of Object.entries(raw)) {
    const built: Target = target.backend === 'local' ? localTarget(name, target) : kubernetesTarget(name, target);
    Object.defineProperty(targets, name, { value: built, enumerable: true, writable: true, configurable: true });
  }
  return targets;
}

function localTarget(name: string, raw: RawTarget): Target {
  if (!raw.follow) return { name, backend: 'local' };
  return { name, backend: 'local', follow: { branch: raw.follow.branch, intervalMs: parseInterval(raw.follow.interval ?? '30s') } };
}

function kubernetesTarget(name: string, raw: RawTarget): KubernetesTarget {
  return {
    name,
    backend: 'kubernetes',
    context: raw.context ?? null,
    namespace: raw.namespace ?? null,
    // The schema requires registry on kubernetes targets.
    registry: raw.registry ?? '',
    insecureRegistry: raw.insecureRegistry ?? false,
    buildCache: raw.buildCache ?? null,
    registryCredentials: raw.registryCredentials
      ? { username: { fromEnv: raw.registryCredentials.username.fromEnv }, password: { fromEnv: raw.registryCredentials.password.fromEnv } }
      : null,
    imagePullSecret: raw.imagePullSecret ?? null,
    rolloutTimeoutSeconds: raw.rolloutTimeoutSeconds ?? targetDefaults.rolloutTimeoutSeconds,
    lockTimeoutSeconds: raw.lockTimeoutSeconds ?? targetDefaults.lockTimeoutSeconds,
    gateway: {
      image: raw.gateway?.image ?? null,
      replicas: raw.gateway?.replicas ?? targetDefaults.gatewayReplicas,
      serviceType: raw.gateway?.serviceType ?? targetDefaults.gatewayServiceType,
    },
    metricsStore: {
      size: raw.metricsStore?.size ?? targetDefaults.metricsStoreSize,
      storageClass: raw.metricsStore?.storageClass ?? null,
      postgres: raw.metricsStore?.postgres ? { urlFromEnv: raw.metricsStore.postgres.urlFromEnv } : null,
    },
  };
}
