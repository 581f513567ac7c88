// The resource table of the fake Kubernetes API server: the kinds Slipway reads and writes, as the
// API's discovery documents describe them (GET /api, /apis, /api/v1, /apis/<group>/<version>).
// See https://kubernetes.io/docs/reference/using-api/api-concepts/ and the discovery API.

export type FakeResource = {
  group: string;
  version: string;
  /** Plural name, as in the URL. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
};

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const fakeResources: FakeResource[] = [
  { group: '', version: 'v1', name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', name: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', name: 'services', singularName: 'service', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', name: 'serviceaccounts', singularName: 'serviceaccount', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true },
  { group: 'apps', version: 'v1', name: 'deployments', singularName: 'deployment', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', name: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', name: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet', namespaced: true },
  { group: 'coordination.k8s.io', version: 'v1', name: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', name: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'roles', singularName: 'role', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'rolebindings', singularName: 'rolebinding', kind: 'RoleBinding', namespaced: true },
  // metrics-server's API (read-only on a real cluster; tests create its objects to stand for it).
  { group: 'metrics.k8s.io', version: 'v1beta1', name: 'pods', singularName: '', kind: 'PodMetrics', namespaced: true },
];

export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The discovery document at `path`, or null when the path is not a discovery path. */
export function discoveryDocument(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    const groups = [...new Set(fakeResources.filter((r) => r.group !== '').map((r) => `${r.group}/${r.version}`))].map((gv) => {
      const [name, version] = gv.split('/');
      const entry = { groupVersion: gv, version };
      return { name, versions: [entry], preferredVersion: entry };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!match) return null;
  const group = match[1] ? '' : match[2];
  const version = match[1] ?? match[3];
  const resources = fakeResources.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return null;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: resources.map((r) => ({ name: r.name, singularName: r.singularName, namespaced: r.namespaced, kind: r.kind, verbs })),
  };
}

export type ParsedPath = { resource: FakeResource; namespace: string | null; name: string | null; subresource: string | null };

/** Kinds with a status subresource: a write to the object itself leaves its status as it was. */
export const withStatus = new Set(['Namespace', 'Service', 'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet']);

/** Splits a resource URL: `/apis/apps/v1/namespaces/ns/deployments/name` and friends. */
export function parseResourcePath(path: string): ParsedPath | null {
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status|scale))?$/.exec(path);
  if (!match) return null;
  const group = match[1] ? '' : match[2];
  const version = match[1] ?? match[3];
  const resource = fakeResources.find((r) => r.group === group && r.version === version && r.name === match[5]);
  if (!resource) return null;
  if (match[7] === 'status' && !withStatus.has(resource.kind)) return null;
  if (match[7] === 'scale' && resource.kind !== 'Deployment') return null;
  return { resource, namespace: match[4] ? decodeURIComponent(match[4]) : null, name: match[6] ? decodeURIComponent(match[6]) : null, subresource: match[7] ?? null };
}
