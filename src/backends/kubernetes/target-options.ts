// From a `targets` entry of models.yaml (or flags alone) to what the kubernetes backend and
// `slipway install` need. Flags override the file; secrets come from the environment only.
import type { KubernetesTarget, Spec } from '../../spec/types.ts';
import { targetDefaults } from '../../spec/targets.ts';

export type TargetFlags = {
  target?: string;
  namespace?: string;
  context?: string;
  registry?: string;
  imagePullSecret?: string;
};

export type ResolvedTarget =
  | { ok: true; target: KubernetesTarget; pullCredentials: { username: string; password: string } | null }
  | { ok: false; message: string };

/**
 * The kubernetes target named by `flags.target` with the flags applied; without a name, one made of
 * the flags alone (which must then give `--registry`). Registry credentials are read from `env`.
 */
export function resolveKubernetesTarget(spec: Spec, flags: TargetFlags, env: Record<string, string | undefined>): ResolvedTarget {
  let base: KubernetesTarget;
  if (flags.target !== undefined) {
    const declared = spec.targets && Object.hasOwn(spec.targets, flags.target) ? spec.targets[flags.target] : undefined;
    if (!declared) {
      const known = Object.keys(spec.targets ?? {});
      return { ok: false, message: `models.yaml declares no target "${flags.target}" (${known.length ? `targets: ${known.join(', ')}` : 'it has no targets section'})` };
    }
    if (declared.backend !== 'kubernetes') {
      return { ok: false, message: `target "${flags.target}" is a ${declared.backend} target; this needs a kubernetes target` };
    }
    base = declared;
  } else {
    if (!flags.registry) return { ok: false, message: 'name a kubernetes target with --target, or give at least --registry (and --namespace, --context)' };
    base = {
      name: 'flags',
      backend: 'kubernetes',
      context: null,
      namespace: null,
      registry: flags.registry,
      insecureRegistry: false,
      registryCredentials: null,
      imagePullSecret: null,
      rolloutTimeoutSeconds: targetDefaults.rolloutTimeoutSeconds,
      lockTimeoutSeconds: targetDefaults.lockTimeoutSeconds,
      gateway: { image: null, replicas: targetDefaults.gatewayReplicas, serviceType: targetDefaults.gatewayServiceType },
    };
  }
  const target: KubernetesTarget = {
    ...base,
    context: flags.context ?? base.context,
    namespace: flags.namespace ?? base.namespace,
    registry: flags.registry ?? base.registry,
    imagePullSecret: flags.imagePullSecret ?? base.imagePullSecret,
  };
  if (!target.registryCredentials) return { ok: true, target, pullCredentials: null };
  const { username, password } = target.registryCredentials;
  const missing = [username.fromEnv, password.fromEnv].filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    return { ok: false, message: `target "${target.name}" reads registry credentials from ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not set (export ${missing.length > 1 ? 'them' : 'it'} first)` };
  }
  return { ok: true, target, pullCredentials: { username: env[username.fromEnv]!, password: env[password.fromEnv]! } };
}
