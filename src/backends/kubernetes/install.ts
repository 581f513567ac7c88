// `slipway install` for a kubernetes target: the in-cluster gateway and its RBAC, applied by
// server-side apply, then its rollout followed. Pure manifests in gateway-manifests.ts.
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { gatewayManifests } from './gateway-manifests.ts';
import { metricsStoreObjects, metricsStoreToken, type MetricsStoreSecret } from './metrics-store-install.ts';
import { createKubeApi, loadKubeConfig, namespaceOf, type KubeConfigOptions } from './kube-api.ts';
import { pullSecret } from './model-secrets.ts';
import { ACCESS_KEYS_SECRET, GATEWAY_NAME } from './names.ts';
import { syncAccessKeyIndex } from './access-key-index.ts';
import { waitForRollout } from './rollout.ts';
import type { ResolvedTarget } from './target-options.ts';

export type InstallOptions = KubeConfigOptions & {
  project: string;
  resolved: Extract<ResolvedTarget, { ok: true }>;
  /** Overrides targets.<name>.gateway.image. */
  image?: string;
  log: (line: string) => void;
};

/** The objects install would apply, for `--dry-run` and for install itself. */
export function installObjects(opts: {
  project: string;
  namespace: string;
  resolved: InstallOptions['resolved'];
  image: string;
  /** The metrics store's Secret values; a placeholder for --dry-run. */
  metricsSecret: MetricsStoreSecret;
}): KubernetesObject[] {
  const { target, pullCredentials } = opts.resolved;
  const objects: KubernetesObject[] = [];
  if (target.imagePullSecret && pullCredentials) {
    objects.push(pullSecret({ namespace: opts.namespace, name: target.imagePullSecret, registry: target.registry, ...pullCredentials }));
  }
  // The store first: the gateway's pods read its Secret.
  objects.push(...metricsStoreObjects({ project: opts.project, namespace: opts.namespace, image: opts.image, target, secret: opts.metricsSecret }));
  objects.push(...gatewayManifests({
    project: opts.project,
    namespace: opts.namespace,
    image: opts.image,
    replicas: target.gateway.replicas,
    serviceType: target.gateway.serviceType,
    imagePullSecret: target.imagePullSecret,
    metricsStore: true,
  }));
  return objects;
}

/** The objects as one multi-document YAML stream, Secrets' data hidden. */
export function installYaml(objects: KubernetesObject[]): string {
  return objects
    .map((o) => stringify(o.kind === 'Secret' ? { ...o, data: hidden((o as { data?: Record<string, string> }).data) } : o))
    .join('---\n');
}

function hidden(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.keys(data ?? {}).map((key) => [key, '(hidden)']));
}

/** The gateway image to install, or an error message saying where to give one. */
export function gatewayImage(resolved: InstallOptions['resolved'], flag: string | undefined): string | { error: string } {
  const image = flag ?? resolved.target.gateway.image;
  if (!image) return { error: `no gateway image: pass --image, or set targets.${resolved.target.name}.gateway.image (an image with Node 24 and Slipway at /app; see src/backends/kubernetes/gateway-image/Containerfile)` };
  return image;
}

/** Applies the gateway to the target's cluster and waits until it serves. Returns the namespace. */
export async function install(opts: InstallOptions & { image: string; postgresUrl: string | null }): Promise<string> {
  const kc = loadKubeConfig({ ...opts, context: opts.resolved.target.context });
  const namespace = namespaceOf(kc, opts.resolved.target.namespace);
  const api = createKubeApi(kc, namespace);
  // The store's token is kept across installs: gateways and store read it once, at pod start.
  const metricsSecret = { token: await metricsStoreToken(api), postgresUrl: opts.postgresUrl };
  for (const object of installObjects({ project: opts.project, namespace, resolved: opts.resolved, image: opts.image, metricsSecret })) {
    await api.apply(object);
    opts.log(`applied ${object.kind} ${object.metadata?.name}`);
  }
  // The gateway reads access keys from this index only; models deployed before it existed join it here.
  const indexed = await syncAccessKeyIndex(api);
  opts.log(`applied Secret ${ACCESS_KEYS_SECRET} (access-key hashes of ${indexed} model${indexed === 1 ? '' : 's'})`);
  await waitForRollout(api, GATEWAY_NAME, { model: 'the gateway', timeoutMs: opts.resolved.target.rolloutTimeoutSeconds * 1000 + 60_000, log: opts.log });
  return namespace;
}
