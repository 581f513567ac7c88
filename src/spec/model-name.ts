// A model's name is a DNS label: it names folders, processes, container images, Kubernetes
// objects and URLs. One definition, the one schemas/models.schema.json states for `name`.

/** Lowercase letters, digits and '-', starting and ending with a letter or digit. */
export const MODEL_NAME_PATTERN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

const MODEL_NAME = new RegExp(`^${MODEL_NAME_PATTERN}$`);

/**
 * Names a model may not take: `slipway-<name>` is one of Slipway's own Kubernetes objects (the
 * gateway, the metrics store, the API-keys Secret, the apply Lease, the digest key). The schema
 * refuses them too; names.test proves no other name collides.
 */
export const RESERVED_MODEL_NAMES: readonly string[] = ['gateway', 'metrics-store', 'api-keys', 'access-keys', 'apply-lock', 'secret-digest-key'];

/** True when `name` is a valid model name. */
export function isModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}
