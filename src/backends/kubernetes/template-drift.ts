// Drift of a model's pod template: what `kubectl set image`, `kubectl set env`, `kubectl edit` or
// another tool changed in the running Deployment. The API records who owns which field in
// `metadata.managedFields` (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management);
// any manager other than Slipway owning a field of the pod spec is drift. The repair is a new
// deployment id, whose Deployment is made from the manifest alone (serving-switch.ts), so nothing
// another manager added carries over.
import type { V1Deployment, V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { FIELD_MANAGER } from './names.ts';

type Fields = Record<string, unknown>;

/** The pod-spec part (`f:spec.f:template.f:spec`) of each other manager's fields, by manager. */
export function foreignPodSpecFields(d: V1Deployment): { manager: string; fields: Fields }[] {
  const out: { manager: string; fields: Fields }[] = [];
  for (const entry of (d.metadata?.managedFields ?? []) as (V1ManagedFieldsEntry & { subresource?: string })[]) {
    // Status and scale are written through their subresources: not the template.
    if (entry.manager === FIELD_MANAGER || entry.subresource) continue;
    const fields = dig(entry.fieldsV1 as Fields | undefined, ['f:spec', 'f:template', 'f:spec']);
    if (fields && Object.keys(fields).length > 0) out.push({ manager: entry.manager ?? 'unknown', fields });
  }
  return out;
}

/** Why the live template is not what Slipway applied; empty when it is. */
export function templateChanges(d: V1Deployment, appliedImage: string | null): string[] {
  const reasons: string[] = [];
  const image = d.spec?.template.spec?.containers.find((c) => c.name === 'model')?.image;
  if (appliedImage !== null && image !== undefined && image !== appliedImage) reasons.push(`image changed outside Slipway: ${image}, applied ${appliedImage}`);
  for (const { manager, fields } of foreignPodSpecFields(d)) {
    reasons.push(`pod template changed outside Slipway by ${manager} (${Object.keys(fields).map((f) => f.replace(/^f:/, '')).join(', ')})`);
  }
  return reasons;
}

function dig(fields: Fields | undefined, path: string[]): Fields | undefined {
  let node: unknown = fields;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Fields)[key] : undefined;
  return node as Fields | undefined;
}
