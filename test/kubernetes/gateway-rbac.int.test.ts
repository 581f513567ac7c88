// The gateway's Role is exactly the table below, and the gateway's discovery, run against the fake,
// makes no request that Role would refuse: it reads the two key Secrets by name and no other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKubeApi } from '../../src/backends/kubernetes/kube-api.ts';
import { startEndpointDiscovery } from '../../src/backends/kubernetes/endpoint-discovery.ts';
import { gatewayRole } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { hashKey } from '../../src/keys/digest.ts';
import { allowedBy, verbOf } from '../support/fake-kube-rbac.ts';
import { startFakeKubeApiServer } from '../support/fake-kube-apiserver.ts';

const ns = 'rbac';
const role = gatewayRole({ project: 'demo', namespace: ns, image: 'i', replicas: 1, serviceType: 'ClusterIP', imagePullSecret: null });
const b64 = (text: string) => Buffer.from(text).toString('base64');

test('the gateway Role grants exactly these permissions', () => {
  const table = role.rules!.flatMap((r) => r.verbs.map((verb) => `${r.apiGroups![0] || 'core'} ${r.resources![0]} ${verb}${r.resourceNames ? ` [${r.resourceNames.join(', ')}]` : ''}`));
  assert.equal(table, [
    'discovery.k8s.io endpointslices get',
    'discovery.k8s.io endpointslices list',
    'discovery.k8s.io endpointslices watch',
    'apps deployments get',
    'apps deployments list',
    'apps deployments watch',
    'core services get',
    'core services list',
    'core services watch',
    // A rollout on the Service, and its end (cluster-rollouts.ts).
    'core services patch',
    'core secrets get [slipway-access-keys, slipway-api-keys]',
    'core secrets list [slipway-access-keys, slipway-api-keys]',
    'core secrets watch [slipway-access-keys, slipway-api-keys]',
    // The deployment id of each pod (serving-switch.ts); a replica whose call ran past its
    // timeout is replaced (cluster-gateway.ts).
    'core pods get',
    'core pods list',
    'core pods watch',
    'core pods delete',
    // The replicas' CPU and memory for the technical metrics (pod-usage.ts).
    'metrics.k8s.io pods get',
    'metrics.k8s.io pods list',
    // The dashboard's build and deployment records (src/ui/cluster-dashboard.ts).
    'core configmaps list',
    // A rollout's end scales a Deployment to 0; the rollout driver's Lease (rollout-leader.ts).
    'apps deployments/scale update',
    'coordination.k8s.io leases get [slipway-rollout-leader]',
    'coordination.k8s.io leases update [slipway-rollout-leader]',
    'coordination.k8s.io leases create',
    // Which models' calls are captured, and how (cluster-capture-settings.ts).
    'core configmaps get [slipway-capture]',
  ]);
});

test('the authorizer refuses what the Role does not name', () => {
  const request = (path: string, query: Record<string, string> = {}, method = 'GET') => ({ method, path, query, contentType: null, body: null });
  assert.not.ok(allowedBy(role.rules!, request(`/api/v1/namespaces/${ns}/secrets`, { labelSelector: 'app.kubernetes.io/managed-by=slipway' })), 'list of every Secret');
  assert.not.ok(allowedBy(role.rules!, request(`/api/v1/namespaces/${ns}/secrets/slipway-iris-env-0123456789`)), 'an env Secret');
  assert.ok(allowedBy(role.rules!, request(`/api/v1/namespaces/${ns}/secrets`, { fieldSelector: 'metadata.name=slipway-api-keys', watch: '1' })));
  assert.not.ok(allowedBy(role.rules!, request(`/apis/apps/v1/namespaces/${ns}/deployments/slipway-iris`, {}, 'PATCH')));
  assert.ok(allowedBy(role.rules!, request(`/api/v1/namespaces/${ns}/configmaps/slipway-capture`)), 'the capture settings');
  assert.not.ok(allowedBy(role.rules!, request(`/api/v1/namespaces/${ns}/configmaps/slipway-iris-b1`)), 'get of another ConfigMap');
});

test('discovery reads access keys from the index alone, with requests the Role allows', async () => {
  const fake = await startFakeKubeApiServer();
  try {
    const secret = (name: string, kind: string, data: Record<string, string>, model?: string) =>
      fake.put('secrets', ns, { metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'slipway.dev/secret': kind, ...(model ? { 'slipway.dev/model': model } : {}) } }, data });
    secret('slipway-access-keys', 'access-key-hashes', { iris: b64(hashKey('key-of-iris')) });
    secret('slipway-api-keys', 'api-keys', { 'keys.json': b64('[]') });
    secret('slipway-iris-env-0123456789', 'env', { DB_PASSWORD: b64('hunter2') }, 'iris');
    const discovery = startEndpointDiscovery({ api: createKubeApi(fake.kubeConfig(ns), ns), gateway: { setRoute() {}, removeRoute() {} } });
    await discovery.synced;
    assert.is(discovery.keyring().modelForAccessKey('key-of-iris'), 'iris');
    discovery.stop();
    const refused = fake.requests.filter((r) => !allowedBy(role.rules!, r)).map((r) => `${verbOf(r)?.verb} ${r.path}?${new URLSearchParams(r.query)}`);
    assert.equal(refused, []);
    assert.ok(fake.requests.some((r) => verbOf(r)?.resource === 'secrets'), 'it did read Secrets');
  } finally {
    await fake.close();
  }
});

test.run();
