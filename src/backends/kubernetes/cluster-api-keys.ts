// API keys on a cluster: the in-cluster gateway reads them from one Secret (`slipway-api-keys`,
// labelled `slipway.dev/secret=api-keys`, `keys.json` = the key records: hashes, never keys).
// `slipway keys … --target` edits them with the same keys module as the local store, through the
// records port (keys/api-key-records.ts) over the Secret's list, written back with the Secret's
// resourceVersion, so two edits at once cannot lose one another (the second gets a conflict and says so).
import type { V1Secret } from '@kubernetes/client-node';
import type { StoredApiKey } from '../../store/api-keys.ts';
import { listedApiKeyRecords, type ApiKeyRecords } from '../../keys/api-key-records.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { label, MANAGED_BY } from './names.ts';

export const API_KEYS_SECRET = 'slipway-api-keys';

const ref = { apiVersion: 'v1', kind: 'Secret', name: API_KEYS_SECRET };

/** Runs `edit` on the cluster's API key records; writes them back when `edit` changed any. */
export async function withClusterApiKeys<T>(api: KubeApi, edit: (records: ApiKeyRecords) => T): Promise<T> {
  const secret = await api.read<V1Secret>(ref);
  const rows = secret ? parseRecords(secret) : [];
  const records = listedApiKeyRecords(rows);
  const before = JSON.stringify(records.list());
  const result = edit(records);
  const after = records.list();
  if (JSON.stringify(after) === before) return result;
  const next: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: API_KEYS_SECRET,
      namespace: api.namespace,
      labels: { [label.managedBy]: MANAGED_BY, [label.secret]: 'api-keys' },
      ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
    },
    type: 'Opaque',
    data: { 'keys.json': Buffer.from(JSON.stringify(after)).toString('base64') },
  };
  try {
    if (secret) await api.replace(next);
    else await api.create(next);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) {
      throw new Error(`the API keys of namespace ${api.namespace} changed while this command ran; run it again`);
    }
    throw error;
  }
  return result;
}

function parseRecords(secret: V1Secret): StoredApiKey[] {
  const raw = secret.data?.['keys.json'];
  if (!raw) return [];
  const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`Secret ${API_KEYS_SECRET} does not hold a list of key records in keys.json`);
  return parsed as StoredApiKey[];
}
