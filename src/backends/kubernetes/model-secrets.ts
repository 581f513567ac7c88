// The Secrets of a model: its fromEnv values, and its access key. Values are base64 in `data`
// (not `stringData`, which server-side apply cannot track as owned fields).
import type { V1Secret } from '@kubernetes/client-node';
import { hashKey } from '../../keys/digest.ts';
import { accessKeySecretName, envSecretName, label, modelLabels } from './names.ts';

type Owner = { project: string; namespace: string; model: string };

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/**
 * `slipway-<model>-env-<content id>`: one key per fromEnv variable of the model (the variable's name
 * in the pod), valued as the apply's environment had it; immutable, so a pod of an older deployment
 * that restarts reads the values it started with (see env-secrets.ts). The Deployment refers to it
 * with `secretKeyRef`.
 */
export function envSecret(owner: Owner, values: Record<string, string>, contentId: string): V1Secret {
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) data[name] = b64(value);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: envSecretName(owner.model, contentId),
      namespace: owner.namespace,
      labels: { ...modelLabels(owner.project, owner.model), [label.secret]: 'env' },
    },
    type: 'Opaque',
    immutable: true,
    data,
  };
}

/**
 * `slipway-<model>-access-key`, holding:
 * - `accessKeySha256`: the sha256 (hex) of the key; all the in-cluster gateway reads, to find the
 *   model a call's `accessKey` belongs to.
 * - `accessKey`: the key itself. As in CML an access key names a model rather than guarding it
 *   (API keys do that), and operators need it to call the model: `kubectl get secret` shows it to
 *   those allowed to read Secrets in the namespace, as `.slipway/access-keys.json` does locally.
 */
export function accessKeySecret(owner: Owner, accessKey: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: accessKeySecretName(owner.model),
      namespace: owner.namespace,
      labels: { ...modelLabels(owner.project, owner.model), [label.secret]: 'access-key' },
    },
    type: 'Opaque',
    data: { accessKey: b64(accessKey), accessKeySha256: b64(hashKey(accessKey)) },
  };
}

/** A `kubernetes.io/dockerconfigjson` Secret for pulling from `registry` with these credentials. */
export function pullSecret(input: { namespace: string; name: string; registry: string; username: string; password: string }): V1Secret {
  const host = input.registry.split('/')[0];
  const auth = b64(`${input.username}:${input.password}`);
  const config = { auths: { [host]: { username: input.username, password: input.password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: input.name, namespace: input.namespace, labels: { 'app.kubernetes.io/managed-by': 'slipway' } },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify(config)) },
  };
}
