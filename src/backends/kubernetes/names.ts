// Names, labels and annotations every Slipway object in a cluster carries. One place, so the
// backend, observe and the in-cluster gateway agree on them.

/** The field manager of every server-side apply Slipway makes. */
export const FIELD_MANAGER = 'slipway';

/** Port the runtime listens on inside the pod; the Service maps port 80 to it. */
export const RUNTIME_PORT = 8080;

/** The Lease that serializes applies to one namespace. */
export const APPLY_LOCK_NAME = 'slipway-apply-lock';

/** Name of the in-cluster gateway's objects (Deployment, Service, ServiceAccount, Role...). */
export const GATEWAY_NAME = 'slipway-gateway';

/** The hashes of every model's access key, the one access-key Secret the gateway reads (access-key-index.ts). */
export const ACCESS_KEYS_SECRET = 'slipway-access-keys';

/** The namespace's key for digests of secret env values (see digest-key.ts). */
export const DIGEST_KEY_SECRET = 'slipway-secret-digest-key';

export const label = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  /** The model an object belongs to, on every per-model object, records included. */
  model: 'slipway.dev/model',
  /** `true` on create-only deployment records. */
  history: 'slipway.dev/history',
  /** `true` on build records. */
  buildRecord: 'slipway.dev/build-record',
  /** `true` on the parts of a build record's file list too big for it (build-record-parts.ts). */
  buildRecordPart: 'slipway.dev/build-record-part',
  /** What a Secret holds: `env`, `access-key` or `api-keys`. */
  secret: 'slipway.dev/secret',
  /** `true` on a model's last record once the model was deleted. */
  deleted: 'slipway.dev/deleted',
  /** `failed` on a record whose rollout failed. */
  outcome: 'slipway.dev/outcome',
  /** The deployment id of a model's Deployment and of its pods (and of a deployment record). */
  deploymentId: 'slipway.dev/deployment-id',
  /** Set by Kubernetes on EndpointSlices: the Service they belong to. */
  serviceName: 'kubernetes.io/service-name',
} as const;

export const annotation = {
  buildNumber: 'slipway.dev/build-number',
  buildKey: 'slipway.dev/build-key',
  deploymentId: 'slipway.dev/deployment-id',
  servingHash: 'slipway.dev/serving-hash',
  gitCommit: 'slipway.dev/git-commit',
  /** `running` or `stopped`: the state the last apply (or `slipway stop`) asked for. */
  state: 'slipway.dev/state',
  /** JSON of the gateway's per-model settings (see route-settings.ts). */
  route: 'slipway.dev/route',
  /** On a model's Service: the deployment id whose pods the gateway routes to (see serving-switch.ts). */
  servingDeploymentId: 'slipway.dev/serving-deployment-id',
  /** On the record of a deployment whose examples failed before it took traffic: their results (JSON). */
  gateResults: 'slipway.dev/gate-results',
} as const;

export const MANAGED_BY = 'slipway';

/** Longest model name whose objects fit Kubernetes' 63-character Service names. */
export const MAX_MODEL_NAME = 63 - 'slipway-'.length;

/** The Deployment and Service of a model: `slipway-<model>`. */
export function workloadName(model: string): string {
  return `slipway-${model}`;
}

/**
 * The Deployment of one deployment id: `slipway-<model>-d<id>` (blue/green, see serving-switch.ts).
 * Models deployed before had one Deployment named `workloadName(model)`.
 */
export function deploymentName(model: string, id: number): string {
  return `slipway-${model}-d${id}`;
}

/** An immutable Secret with a model's fromEnv values, named by a keyed digest of its content. */
export function envSecretName(model: string, contentId: string): string {
  return `slipway-${model}-env-${contentId}`;
}

/** The Secret with a model's access key. */
export function accessKeySecretName(model: string): string {
  return `slipway-${model}-access-key`;
}

/** The create-only record of deployment `id`. */
export function historyName(model: string, id: number): string {
  return `slipway-${model}-d${id}`;
}

/** The record of build `number`. */
export function buildRecordName(model: string, number: number): string {
  return `slipway-${model}-b${number}`;
}

/** Labels of every per-model object (selector labels plus the common ones). */
export function modelLabels(project: string, model: string): Record<string, string> {
  return {
    ...selectorLabels(model),
    [label.component]: 'model',
    [label.partOf]: project,
    [label.managedBy]: MANAGED_BY,
    [label.model]: model,
  };
}

/** The immutable selector of a model's Deployment and Service. */
export function selectorLabels(model: string): Record<string, string> {
  return { [label.name]: model, [label.instance]: workloadName(model) };
}

/** A label selector string for `labels`, as the API's labelSelector query takes it. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',');
}
