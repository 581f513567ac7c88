// Validation of the fake Kubernetes API server: what a real API server refuses with 422 Invalid
// (or 413) before storing an object. Each rule cites the page it follows.
import { FakeApiError, type Obj } from './fake-kube-apiserver-store.ts';
import type { FakeResource } from './fake-kube-apiserver-resources.ts';

type Json = Record<string, unknown>;

// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** ConfigMap and Secret data: at most 1 MiB (https://kubernetes.io/docs/concepts/configuration/configmap/ "cannot exceed 1 MiB"). */
export const MAX_DATA_BYTES = 1024 * 1024;
/** etcd's default request limit: a larger object is refused whatever its kind (https://etcd.io/docs/v3.5/dev-guide/limit/). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

function invalid(kind: string, name: string, causes: string[]): FakeApiError {
  return new FakeApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${causes.join(', ')}`);
}

/** Name and labels of any object; the selector of a Deployment or ReplicaSet; sizes. */
export function validateObject(resource: FakeResource, object: Obj): void {
  const name = object.metadata.name;
  const causes: string[] = [];
  // Services need RFC 1035 labels, namespaces RFC 1123 labels, most other kinds DNS subdomains.
  if (resource.kind === 'Service') {
    if (name.length > 63 || !RFC1035_LABEL.test(name)) causes.push(`metadata.name: Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (at most 63)`);
  } else if (resource.kind === 'Namespace') {
    if (name.length > 63 || !DNS_LABEL.test(name)) causes.push(`metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label (at most 63)`);
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    causes.push(`metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.' (at most 253)`);
  }
  causes.push(...labelErrors('metadata.labels', object.metadata.labels));
  if (resource.kind === 'Deployment' || resource.kind === 'ReplicaSet') causes.push(...selectorErrors(object));
  if (resource.kind === 'Deployment') causes.push(...labelErrors('spec.template.metadata.labels', ((object.spec as Json)?.template as { metadata?: { labels?: Record<string, string> } })?.metadata?.labels));
  if (resource.kind === 'ConfigMap' || resource.kind === 'Secret') {
    const bytes = ['data', 'binaryData', 'stringData'].reduce((n, key) => n + Object.values((object[key] ?? {}) as Record<string, string>).reduce((m, v) => m + Buffer.byteLength(String(v)), 0), 0);
    if (bytes > MAX_DATA_BYTES) causes.push(`data: Too long: must have at most ${MAX_DATA_BYTES} bytes`);
  }
  if (causes.length > 0) throw invalid(resource.kind, name, causes);
  if (Buffer.byteLength(JSON.stringify(object)) > MAX_OBJECT_BYTES) throw new FakeApiError(413, 'RequestEntityTooLarge', 'etcdserver: request is too large');
}

function labelErrors(field: string, labels: Record<string, string> | undefined): string[] {
  const causes: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : null;
    const base = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) causes.push(`${field}: Invalid value: "${key}": prefix part must be a DNS subdomain`);
    if (base.length === 0 || base.length > 63 || !LABEL_NAME.test(base)) causes.push(`${field}: Invalid value: "${key}": name part must be 63 characters or less, alphanumeric, '-', '_' or '.'`);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) causes.push(`${field}: Invalid value: "${String(value)}": a valid label must be an empty string or 63 characters or less, alphanumeric, '-', '_' or '.'`);
  }
  return causes;
}

// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector : "must match
// .spec.template.metadata.labels, or it will be rejected by the API".
function selectorErrors(object: Obj): string[] {
  const spec = (object.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
  const wanted = spec.selector?.matchLabels;
  if (!wanted || Object.keys(wanted).length === 0) return ['spec.selector: Required value'];
  const labels = spec.template?.metadata?.labels ?? {};
  const matches = Object.entries(wanted).every(([k, v]) => labels[k] === v);
  return matches ? [] : ['spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`'];
}

/** Fields an update may not change. */
export function validateUpdate(resource: FakeResource, before: Obj, after: Obj): void {
  const name = before.metadata.name;
  // https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates :
  // "In API version apps/v1, a Deployment's label selector is immutable after it gets created."
  if ((resource.kind === 'Deployment' || resource.kind === 'ReplicaSet') && JSON.stringify((before.spec as Json)?.selector) !== JSON.stringify((after.spec as Json)?.selector)) {
    throw invalid(resource.kind, name, [`spec.selector: Invalid value: ${JSON.stringify((after.spec as Json)?.selector)}: field is immutable`]);
  }
  // https://kubernetes.io/docs/concepts/configuration/secret/#secret-immutable : once immutable,
  // data cannot change and the Secret cannot be made mutable again; only deletion remains.
  if (before.immutable === true) {
    const changed = ['data', 'binaryData', 'stringData'].some((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null));
    if (changed || after.immutable !== true) throw invalid(resource.kind, name, ['data: Forbidden: field is immutable when `immutable` is set']);
  }
}
