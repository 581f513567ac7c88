// On a cluster there is no local store to key the digests of secret env values (`fromEnv`) with,
// and a CI runner starts from nothing each time. The key lives in the namespace instead, in a
// Secret only Slipway reads: plans made anywhere digest a secret the same way, so a changed secret
// value plans a reconfigure, and the digests in the cluster's records cannot be brute-forced by
// whoever can read annotations but not Secrets.
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { secretDigestWithKey, type SecretDigest } from '../../store/secret-digest.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { DIGEST_KEY_SECRET, label, MANAGED_BY } from './names.ts';

const ref = { apiVersion: 'v1', kind: 'Secret', name: DIGEST_KEY_SECRET } as const;

/**
 * The namespace's secret digest. With `create` (applies) a missing key is made; without it (plans,
 * tests) a namespace never applied to has none, and secrets are compared by variable name only.
 */
export async function clusterSecretDigest(api: KubeApi, opts: { create: boolean }): Promise<SecretDigest | undefined> {
  const existing = await api.read<V1Secret>(ref);
  if (existing) return digestOf(existing);
  if (!opts.create) return undefined;
  try {
    return digestOf(await api.create<V1Secret>(keySecret(api.namespace)));
  } catch (error) {
    // Another apply made it first: use theirs, so both digest alike.
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    const theirs = await api.read<V1Secret>(ref);
    if (!theirs) throw error;
    return digestOf(theirs);
  }
}

function keySecret(namespace: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: DIGEST_KEY_SECRET, namespace, labels: { [label.managedBy]: MANAGED_BY } },
    type: 'Opaque',
    data: { key: randomBytes(32).toString('base64') },
  };
}

function digestOf(secret: V1Secret): SecretDigest {
  const key = Buffer.from(secret.data?.key ?? '', 'base64');
  if (key.length < 16) {
    throw new Error(`Secret ${DIGEST_KEY_SECRET} has no usable key; delete it and apply again (the next apply of each model with secrets redeploys it)`);
  }
  return secretDigestWithKey(key);
}
