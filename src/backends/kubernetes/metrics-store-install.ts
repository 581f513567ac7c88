// What `slipway install` adds for the metrics store: its Secret (the token gateways present, and
// the PostgreSQL URL when the target names one), StatefulSet and Service.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { KubernetesTarget } from '../../spec/types.ts';
import type { KubeApi } from './kube-api.ts';
import { label, MANAGED_BY } from './names.ts';
import { METRICS_STORE_NAME, METRICS_STORE_SECRET_KEYS, metricsStoreService, metricsStoreStatefulSet } from './metrics-store-manifests.ts';

export type MetricsStoreSecret = { token: string; postgresUrl: string | null };

/** The target's store settings, defaults for targets built without them. */
export function metricsStoreSettings(target: KubernetesTarget): NonNullable<KubernetesTarget['metricsStore']> {
  return target.metricsStore ?? { size: '1Gi', storageClass: null, postgres: null };
}

/** The PostgreSQL URL the target names, read from `env`; an error message when it is not set. */
export function metricsPostgresUrl(target: KubernetesTarget, env: NodeJS.ProcessEnv): { ok: true; url: string | null } | { ok: false; message: string } {
  const postgres = metricsStoreSettings(target).postgres;
  if (!postgres) return { ok: true, url: null };
  const url = env[postgres.urlFromEnv];
  if (!url) return { ok: false, message: `target "${target.name}" keeps metrics in PostgreSQL at the URL in ${postgres.urlFromEnv}, which is not set: export it and run install again` };
  return { ok: true, url };
}

/** The token already in the namespace's store Secret, or a new one. */
export async function metricsStoreToken(api: KubeApi): Promise<string> {
  const existing = await api.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name: METRICS_STORE_NAME });
  const token = existing?.data?.[METRICS_STORE_SECRET_KEYS.token];
  return token ? Buffer.from(token, 'base64').toString('utf8') : randomBytes(24).toString('hex');
}

export function metricsStoreObjects(opts: { project: string; namespace: string; image: string; target: KubernetesTarget; secret: MetricsStoreSecret }): KubernetesObject[] {
  const settings = metricsStoreSettings(opts.target);
  const input = {
    project: opts.project,
    namespace: opts.namespace,
    image: opts.image,
    imagePullSecret: opts.target.imagePullSecret,
    storage: settings.postgres ? { kind: 'postgres' as const } : { kind: 'sqlite' as const, size: settings.size, storageClass: settings.storageClass ?? undefined },
  };
  const b64 = (value: string) => Buffer.from(value).toString('base64');
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: METRICS_STORE_NAME, namespace: opts.namespace, labels: { [label.component]: 'metrics-store', [label.partOf]: opts.project, [label.managedBy]: MANAGED_BY } },
    type: 'Opaque',
    data: {
      [METRICS_STORE_SECRET_KEYS.token]: b64(opts.secret.token),
      ...(opts.secret.postgresUrl ? { [METRICS_STORE_SECRET_KEYS.postgresUrl]: b64(opts.secret.postgresUrl) } : {}),
    },
  };
  return [secret, metricsStoreStatefulSet(input), metricsStoreService(input)];
}
