// Rotating a model's access key on a cluster: a new key in its access-key Secret; the in-cluster
// gateway watches the hash index (access-key-index.ts), so the old key stops working as soon as the change reaches it.
import type { V1Secret } from '@kubernetes/client-node';
import { newAccessKey } from '../../keys/access-keys.ts';
import type { KubeApi } from './kube-api.ts';
import { accessKeySecret } from './model-secrets.ts';
import { accessKeySecretName } from './names.ts';
import { recordAccessKeyHash } from './access-key-index.ts';
import { hashKey } from '../../keys/digest.ts';

/** The new access key of `model`; an error when the model has never been deployed there. */
export async function rotateClusterAccessKey(api: KubeApi, project: string, model: string): Promise<string> {
  const existing = await api.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name: accessKeySecretName(model) });
  if (!existing) throw new Error(`${model} has no access key in namespace ${api.namespace}: deploy it first (slipway apply --target …)`);
  const key = newAccessKey();
  await api.apply(accessKeySecret({ project, namespace: api.namespace, model }, key));
  await recordAccessKeyHash(api, model, hashKey(key));
  return key;
}
