// The fake API server itself, over HTTP: it must refuse and merge where a real API server does, or
// the backend tests prove nothing. Each behaviour cites its documentation in test/support/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';

const ns = 'strict';
let fake: FakeKubeApiServer;
test.before(async () => {
  fake = await startFakeKubeApiServer({ controllerStepMs: 2, podSecurity: 'restricted' });
});
test.after(async () => {
  await fake.close();
});

type Answer = { status: number; body: Record<string, any> };

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${fake.token}`, 'content-type': contentType },
    body: body === undefined ? undefined : contentType === 'application/apply-patch+yaml' ? JSON.stringify(body) : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
const apply = (path: string, body: unknown, manager: string, force = false) =>
  call('PATCH', `${path}?fieldManager=${manager}${force ? '&force=true' : ''}`, body, 'application/apply-patch+yaml');

function deployment(name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'model', ...container }], ...extra } },
    },
  };
}
const containerOf = (answer: Answer) => answer.body.spec.template.spec.containers.find((c: { name: string }) => c.name === 'model');
const envNames = (answer: Answer) => containerOf(answer).env.map((e: { name: string }) => e.name);

test('server-side apply merges containers and env by name, owns fields per manager, and removes only what nobody owns', async () => {
  const mine = deployment('merge', { image: 'm:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 8080, name: 'http' }] });
  assert.is((await apply(`${deployments}/merge`, mine, 'slipway', true)).status, 201);
  // Another manager applies only its own entry: a partial configuration of the same container.
  const theirs = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'merge' }, spec: { template: { spec: { containers: [{ name: 'model', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 9090, name: 'metrics' }] }] } } } };
  const merged = await apply(`${deployments}/merge`, theirs, 'other');
  assert.is(merged.status, 200, JSON.stringify(merged.body));
  assert.equal(envNames(merged), ['A', 'B'], 'env merged by name');
  assert.equal(containerOf(merged).ports.map((p: { containerPort: number }) => p.containerPort), [8080, 9090], 'ports merged by containerPort');
  assert.is(containerOf(merged).image, 'm:1');
  const other = merged.body.metadata.managedFields.find((m: { manager: string }) => m.manager === 'other');
  const otherEnv = other.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"model"}']['f:env'];
  assert.equal(Object.keys(otherEnv), ['k:{"name":"B"}'], 'managedFields say who owns which entry');
  // Slipway drops A: gone, as only slipway owned it; B stays, as another manager owns it.
  const without = await apply(`${deployments}/merge`, deployment('merge', { image: 'm:1', ports: [{ containerPort: 8080, name: 'http' }] }), 'slipway', true);
  assert.equal(envNames(without), ['B']);
});

test('a field another manager owns with another value is a conflict without force, taken over with it', async () => {
  await apply(`${deployments}/conflict`, deployment('conflict', { image: 'm:1' }), 'slipway', true);
  const theirs = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'conflict' }, spec: { template: { spec: { containers: [{ name: 'model', image: 'evil:2' }] } } } };
  const refused = await apply(`${deployments}/conflict`, theirs, 'kubectl');
  assert.is(refused.status, 409);
  assert.match(refused.body.message, 'conflict with "slipway": .spec.template.spec.containers[name="model"].image');
  const forced = await apply(`${deployments}/conflict`, theirs, 'kubectl', true);
  assert.is(containerOf(forced).image, 'evil:2');
  const slipway = forced.body.metadata.managedFields.find((m: { manager: string; operation: string }) => m.manager === 'slipway' && m.operation === 'Apply');
  assert.not.ok('f:image' in slipway.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"model"}'], 'force moved ownership');
});

test('an Update owns the fields whose value it changed', async () => {
  await apply(`${deployments}/updated`, deployment('updated', { image: 'm:1', env: [{ name: 'A', value: '1' }] }), 'slipway', true);
  const d = fake.update('deployments', ns, 'updated', (o: any) => o.spec.template.spec.containers[0].env.push({ name: 'X', value: 'x' }));
  const set = d.metadata.managedFields!.find((m) => m.manager === 'kubectl-set')!;
  assert.equal(Object.keys((set.fieldsV1 as any)['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"model"}']['f:env']), ['k:{"name":"X"}']);
});

test('immutable fields are refused: a Deployment selector, an immutable Secret', async () => {
  await apply(`${deployments}/fixed`, deployment('fixed', { image: 'm:1' }), 'slipway', true);
  const moved = deployment('fixed', { image: 'm:1' });
  moved.spec.selector.matchLabels = { app: 'fixed', tier: 'x' } as never;
  (moved.spec.template.metadata.labels as Record<string, string>).tier = 'x';
  const selector = await apply(`${deployments}/fixed`, moved, 'slipway', true);
  assert.is(selector.status, 422);
  assert.match(selector.body.message, 'spec.selector');
  assert.match(selector.body.message, 'field is immutable');
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen' }, immutable: true, data: { A: 'MQ==' } };
  assert.is((await call('POST', `/api/v1/namespaces/${ns}/secrets`, secret)).status, 201);
  const changed = await apply(`/api/v1/namespaces/${ns}/secrets/frozen`, { ...secret, data: { A: 'Mg==' } }, 'slipway', true);
  assert.is(changed.status, 422);
  assert.match(changed.body.message, 'immutable');
  assert.is((await apply(`/api/v1/namespaces/${ns}/secrets/frozen`, { ...secret, immutable: false }, 'slipway', true)).status, 422);
  assert.is((await call('DELETE', `/api/v1/namespaces/${ns}/secrets/frozen`)).status, 200, 'deleting stays possible');
});

test('names, labels, the selector and sizes are validated', async () => {
  const service = await call('POST', `/api/v1/namespaces/${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: '9-starts-with-digit' }, spec: {} });
  assert.is(service.status, 422);
  assert.match(service.body.message, 'DNS-1035');
  const longLabel = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l', labels: { k: 'x'.repeat(64) } } });
  assert.is(longLabel.status, 422);
  const upper = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Upper' } });
  assert.is(upper.status, 422);
  const mismatch = deployment('mismatch', { image: 'm:1' });
  mismatch.spec.template.metadata.labels = { app: 'other' };
  const refused = await apply(`${deployments}/mismatch`, mismatch, 'slipway', true);
  assert.is(refused.status, 422);
  assert.match(refused.body.message, '`selector` does not match template `labels`');
  const big = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: 'x'.repeat(1024 * 1024 + 1) } });
  assert.is(big.status, 422);
  assert.match(big.body.message, 'at most 1048576 bytes');
});

test('status is written only through /status', async () => {
  await apply(`${deployments}/status`, deployment('status', { image: 'm:1' }), 'slipway', true);
  await fake.controller.idle();
  const withStatus = { ...deployment('status', { image: 'm:1' }), status: { readyReplicas: 99 } };
  const applied = await apply(`${deployments}/status`, withStatus, 'slipway', true);
  assert.is.not(applied.body.status.readyReplicas, 99);
  const written = await call('PUT', `${deployments}/status/status`, { ...applied.body, spec: { ...applied.body.spec, replicas: 7 }, status: { readyReplicas: 42 } });
  assert.is(written.status, 200);
  assert.is(written.body.status.readyReplicas, 42);
  assert.is(written.body.spec.replicas, 1, 'a status write leaves spec alone');
});

test('lists page with limit and continue', async () => {
  for (const n of [1, 2, 3]) await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${n}`, labels: { page: 'yes' } } });
  const first = await call('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=page%3Dyes&limit=2`);
  assert.equal(first.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['page-1', 'page-2']);
  const second = await call('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=page%3Dyes&limit=2&continue=${first.body.metadata.continue}`);
  assert.equal(second.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['page-3']);
  assert.is(second.body.metadata.continue, undefined);
});

/** Opens a watch and collects its events until the server ends it. */
async function watchUntilEnd(query: string, during: () => void): Promise<{ status: number; events: { type: string; object: Record<string, any> }[] }> {
  const res = await fetch(`${fake.url}/api/v1/namespaces/${ns}/configmaps?watch=1&${query}`, { headers: { authorization: `Bearer ${fake.token}` } });
  if (res.status !== 200) return { status: res.status, events: [] };
  setTimeout(during, 20);
  const text = await res.text();
  return { status: 200, events: text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}

test('watches: bookmarks when asked, ERROR events, a set timeout, 410 Gone for a compacted resourceVersion, injected 403 and 429', async () => {
  const rv = (await call('GET', `/api/v1/namespaces/${ns}/configmaps`)).body.metadata.resourceVersion;
  const bookmarked = await watchUntilEnd(`resourceVersion=${rv}&allowWatchBookmarks=true`, () => {
    fake.watches.bookmark();
    fake.watches.closeAll();
  });
  assert.equal(bookmarked.events.map((e) => e.type), ['BOOKMARK']);
  assert.is(bookmarked.events[0].object.metadata.resourceVersion, rv);
  const plain = await watchUntilEnd(`resourceVersion=${rv}`, () => {
    fake.watches.bookmark();
    fake.watches.error(500, 'InternalError', 'etcd went away');
  });
  assert.equal(plain.events.map((e) => [e.type, e.object.code]), [['ERROR', 500]], 'no bookmark unless asked');
  const timed = await watchUntilEnd(`resourceVersion=${rv}&timeoutSeconds=1`, () => {});
  assert.equal(timed.events, [], 'ended by its timeout, no event');
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } });
  fake.store.compact();
  const gone = await watchUntilEnd(`resourceVersion=${rv}`, () => {});
  assert.equal(gone.events.map((e) => [e.type, e.object.code, e.object.reason]), [['ERROR', 410, 'Expired']]);
  fake.watches.failNext(403, 1);
  fake.watches.failNext(429, 1);
  assert.is((await watchUntilEnd(`resourceVersion=${rv}`, () => {})).status, 403);
  assert.is((await watchUntilEnd(`resourceVersion=${rv}`, () => {})).status, 429);
});

test('Pod Security restricted: a non-compliant template gets FailedCreate; a compliant one runs; the namespace label decides', async () => {
  await apply(`${deployments}/rooted`, deployment('rooted', { image: 'm:1' }), 'slipway', true);
  await fake.controller.idle();
  const failure = (fake.get('deployments', ns, 'rooted')!.status as any).conditions.find((c: { type: string }) => c.type === 'ReplicaFailure');
  assert.is(failure.reason, 'FailedCreate');
  assert.match(failure.message, 'violates PodSecurity "restricted:latest"');
  assert.match(failure.message, 'allowPrivilegeEscalation != false');
  const hardened = {
    image: 'm:1',
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  };
  await apply(`${deployments}/hardened`, deployment('hardened', hardened), 'slipway', true);
  await fake.controller.idle();
  assert.is((fake.get('deployments', ns, 'hardened')!.status as any).readyReplicas, 1);
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lenient', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
  await apply('/apis/apps/v1/namespaces/lenient/deployments/rooted', deployment('rooted', { image: 'm:1' }), 'slipway', true);
  await fake.controller.idle();
  assert.is((fake.get('deployments', 'lenient', 'rooted')!.status as any).readyReplicas, 1);
});

test('the controller can progress a rollout partly, then time it out', async () => {
  const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  const three = (image: string) => ({ ...deployment('partly', { image, securityContext: hardened }), spec: { ...deployment('partly', { image, securityContext: hardened }).spec, replicas: 3 } });
  await apply(`${deployments}/partly`, three('m:1'), 'slipway', true);
  await fake.controller.idle();
  fake.controller.partial(ns, 'partly', 1);
  await apply(`${deployments}/partly`, three('m:2'), 'slipway', true);
  await fake.controller.idle();
  const status = fake.get('deployments', ns, 'partly')!.status as any;
  assert.is(status.readyReplicas, 4, 'three old and one new');
  assert.is(status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason, 'ProgressDeadlineExceeded');
  const newest = fake.list('replicasets', ns).find((rs) => rs.metadata.name.startsWith('partly-') && (rs.spec as any).template.spec.containers[0].image === 'm:2')!;
  assert.is((newest.status as any).readyReplicas, 1);
});

test.run();
