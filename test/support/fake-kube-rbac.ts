// RBAC authorization of a recorded request against a Role's rules, as the API server's RBAC
// authorizer decides it (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): the verb
// from the method (get/list/watch/create/update/patch/delete), the resource from the path, and
// `resourceNames`, which allow a list or watch only when it names one object by
// `fieldSelector=metadata.name=<name>` (see "Referring to resources").
import type { V1PolicyRule } from '@kubernetes/client-node';
import { parseResourcePath } from './fake-kube-apiserver-resources.ts';
import type { RecordedRequest } from './fake-kube-apiserver.ts';

/** The verb RBAC sees for `request`, or null for a non-resource request (discovery). */
export function verbOf(request: RecordedRequest): { verb: string; group: string; resource: string; name: string | null } | null {
  const parsed = parseResourcePath(request.path);
  if (!parsed) return null;
  const resource = parsed.subresource ? `${parsed.resource.name}/${parsed.subresource}` : parsed.resource.name;
  const named = parsed.name ?? (/^metadata\.name=([^,]+)$/.exec(request.query.fieldSelector ?? '')?.[1] ?? null);
  const collection = parsed.name === null;
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: collection ? 'deletecollection' : 'delete' };
  const verb = request.method === 'GET' ? (collection ? (request.query.watch === '1' || request.query.watch === 'true' ? 'watch' : 'list') : 'get') : verbs[request.method];
  return { verb, group: parsed.resource.group, resource, name: named };
}

/** True when some rule allows `request`. */
export function allowedBy(rules: V1PolicyRule[], request: RecordedRequest): boolean {
  const seen = verbOf(request);
  if (seen === null) return true;
  return rules.some((rule) =>
    (rule.apiGroups ?? []).some((g) => g === '*' || g === seen.group) &&
    (rule.resources ?? []).some((r) => r === '*' || r === seen.resource) &&
    rule.verbs.some((v) => v === '*' || v === seen.verb) &&
    (!rule.resourceNames?.length || (seen.name !== null && rule.resourceNames.includes(seen.name))));
}
