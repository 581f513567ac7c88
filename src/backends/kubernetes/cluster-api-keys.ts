// API keys on a cluster: the in-cluster gateway reads them from one Secret (`slipway-api-keys`,
// labelled `slipway.dev/secret=api-keys`, `keys.json` = the key records: hashes, never keys).
// `slipway keys … --target` edits them with the same keys module as the local store, on a scratch
// in-memory store loaded from the Secret and written back with the Secret's resourceVersion, so
// two edits at once cannot lose one another (the second gets a conflict and says so).
import type { V1Secret } from '@kubernetes/client-node';
import { openStore, type Store } from '../../store/database.ts';
import { listApiKeyRows, type StoredApiKey } from '../../store/api-keys.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { label, MANAGED_BY } from './names.ts';

export const API_KEYS_SECRET = 'slipway-api-keys';

const ref = { apiVersion: 'v1', kind: 'Secret', name: API_KEYS_SECRET };

/** Runs `edit` on the cluster's API key records; writes them back when `edit` changed any. */
export async function withClusterApiKeys<T>(api: KubeApi, edit: (store: Store) => T): Promise<T> {
  const secret = await api.read<V1Secret>(ref);
  const records = secret ? parseRecords(secret) : [];
  const store = openStore(':memory:');
  try {
    seed(store, records);
    const result = edit(store);
    const after = listApiKeyRows(store);
    if (JSON.stringify(after) === JSON.stringify(records)) return result;
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
  } finally {
    store.close();
  }
}

function parseRecords(secret: V1Secret): StoredApiKey[] {
  const raw = secret.data?.['keys.json'];
  if (!raw) return [];
  const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`Secret ${API_KEYS_SECRET} does not hold a list of key records in keys.json`);
  return parsed as StoredApiKey[];
}

/** Puts the records into the scratch store under their own ids, so ids stay stable across edits. */
function seed(store: Store, records: StoredApiKey[]): void {
  const insert = store.statement(
    `INSERT INTO api_keys (id, name, key_hash, prefix, models, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  store.transaction(() => {
    for (const r of records) {
      insert.run(r.id, r.name, r.keyHash, r.prefix, r.models ? JSON.stringify(r.models) : null, r.createdAt, r.expiresAt, r.revokedAt);
    }
  });
}
