// The hashes of every model's access key, in one Secret (`slipway-access-keys`, one data key per
// model): all the in-cluster gateway reads to map a call's access key to its model. Its Role can
// then name the Secrets it reads (this one and `slipway-api-keys`) instead of reading every Secret
// in the namespace (env values, the pull secret, the digest key). The per-model access-key Secrets
// stay the place operators read a key from; this index follows them.
import type { V1Secret } from '@kubernetes/client-node';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { ACCESS_KEYS_SECRET, label, MANAGED_BY, selectorString } from './names.ts';

const ref = { apiVersion: 'v1', kind: 'Secret', name: ACCESS_KEYS_SECRET } as const;
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function indexSecret(namespace: string, data: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ACCESS_KEYS_SECRET, namespace, labels: { [label.managedBy]: MANAGED_BY, [label.secret]: 'access-key-hashes' } },
    type: 'Opaque',
    data,
  };
}

/** Records `model`'s access-key hash (sha256 hex) in the index, creating the index when missing. */
export async function recordAccessKeyHash(api: KubeApi, model: string, hash: string): Promise<void> {
  try {
    await api.mergePatch(ref, { data: { [model]: b64(hash) } });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    try {
      await api.create(indexSecret(api.namespace, { [model]: b64(hash) }));
    } catch (created) {
      // Another apply made it meanwhile: add to theirs.
      if (!(created instanceof KubeApiError && created.status === 409)) throw created;
      await api.mergePatch(ref, { data: { [model]: b64(hash) } });
    }
  }
}

/** Removes `model` from the index (its key stops working at the gateway). */
export async function forgetAccessKeyHash(api: KubeApi, model: string): Promise<void> {
  try {
    await api.mergePatch(ref, { data: { [model]: null } });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
  }
}

/** Rebuilds the index from the per-model access-key Secrets (install: clusters deployed before it existed). */
export async function syncAccessKeyIndex(api: KubeApi): Promise<number> {
  const secrets = await api.list<V1Secret>('v1', 'Secret', selectorString({ [label.managedBy]: MANAGED_BY, [label.secret]: 'access-key' }));
  const data: Record<string, string> = {};
  for (const secret of secrets) {
    const model = secret.metadata?.labels?.[label.model];
    const hash = secret.data?.accessKeySha256;
    if (model && hash) data[model] = hash;
  }
  await api.apply(indexSecret(api.namespace, data));
  return Object.keys(data).length;
}
