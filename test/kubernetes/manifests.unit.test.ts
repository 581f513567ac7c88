// Every manifest Slipway generates validates against the Kubernetes schemas (kubernetes-models),
// and says what the backend and the gateway rely on.
import { test } from 'uvu';
import { candidateRegistry } from '../../src/backends/kubernetes/image.ts';
import * as assert from 'uvu/assert';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1';
import { imageFor } from '../../src/backends/kubernetes/image.ts';
import { modelDeployment, PULL_ALLOWANCE_SECONDS, STARTUP_BUDGET_SECONDS } from '../../src/backends/kubernetes/model-deployment.ts';
import { modelService } from '../../src/backends/kubernetes/model-service.ts';
import { accessKeySecret, envSecret, pullSecret } from '../../src/backends/kubernetes/model-secrets.ts';
import { buildRecordConfigMap, deploymentRecordConfigMap, parseBuildRecord, parseDeploymentRecord } from '../../src/backends/kubernetes/records.ts';
import { gatewayManifests } from '../../src/backends/kubernetes/gateway-manifests.ts';
import { leaseManifest } from '../../src/backends/kubernetes/apply-lock.ts';
import { parseRouteSettings } from '../../src/backends/kubernetes/route-settings.ts';
import { hashKey } from '../../src/keys/digest.ts';
import { deploymentInput, servingWith } from './manifest-fixtures.ts';

const owner = { project: 'demo', namespace: 'models', model: 'iris' };
const inputs = {
  files: [{ path: 'iris/predict.py', blob: 'e'.repeat(40) }],
  requirements: null,
  script: null,
  file: 'iris/predict.py',
  function: 'predict',
  runtime: 'python3',
  baseImage: null,
  defaultBaseImage: null,
  runtimeVersion: '1',
};

/** Validates against the schema and returns the JSON, as it goes over the wire. */
function valid<T>(Model: new (data: any) => { validate(): void }, manifest: T): T {
  new Model(JSON.parse(JSON.stringify(manifest))).validate();
  return manifest;
}

test('model Deployment: labels, annotations, probes, preStop, strategy, resources, env', () => {
  const d = valid(Deployment, modelDeployment(deploymentInput({ serving: servingWith({ resources: { cpu: '2', memory: '4Gi', gpu: 1 } }) })));
  const meta = d.metadata!;
  assert.is(meta.name, 'slipway-iris-d7');
  assert.equal(meta.labels, {
    'app.kubernetes.io/name': 'iris',
    'app.kubernetes.io/instance': 'slipway-iris',
    'app.kubernetes.io/component': 'model',
    'app.kubernetes.io/part-of': 'demo',
    'app.kubernetes.io/managed-by': 'slipway',
    'app.kubernetes.io/version': '3',
    'slipway.dev/model': 'iris',
    'slipway.dev/deployment-id': '7',
  });
  assert.equal(meta.annotations!['slipway.dev/build-number'], '3');
  assert.equal(meta.annotations!['slipway.dev/build-key'], 'a'.repeat(64));
  assert.equal(meta.annotations!['slipway.dev/deployment-id'], '7');
  assert.equal(meta.annotations!['slipway.dev/serving-hash'], 'c'.repeat(64));
  assert.equal(meta.annotations!['slipway.dev/git-commit'], 'd'.repeat(40));
  assert.equal(parseRouteSettings(meta.annotations!['slipway.dev/route']), {
    deploymentId: 7, build: 3, state: 'running', auth: true, concurrency: 2, timeoutMs: 30000, busyTimeoutMs: 10000, maxRequestBytes: 5242880,
  });
  const spec = d.spec!;
  assert.is(spec.replicas, 2);
  assert.equal(spec.selector.matchLabels, { 'app.kubernetes.io/name': 'iris', 'app.kubernetes.io/instance': 'slipway-iris', 'slipway.dev/deployment-id': '7' });
  assert.equal(spec.template.metadata!.labels, meta.labels, 'the pods carry the deployment id the gateway selects by');
  assert.equal(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
  assert.is(spec.progressDeadlineSeconds, 960, 'raised above the startup budget (600 s) plus the pull allowance');
  assert.ok(spec.progressDeadlineSeconds! > STARTUP_BUDGET_SECONDS + PULL_ALLOWANCE_SECONDS);
  assert.is(spec.template.spec!.containers[0].startupProbe!.periodSeconds! * spec.template.spec!.containers[0].startupProbe!.failureThreshold!, STARTUP_BUDGET_SECONDS);
  const pod = spec.template.spec!;
  assert.equal(pod.imagePullSecrets, [{ name: 'registry-pull' }]);
  assert.not.ok('annotations' in spec.template.metadata!, 'a changed secret value changes the Secret name instead');
  const c = pod.containers[0];
  assert.is(c.image, `registry.example.com/ml/iris@sha256:${'b'.repeat(64)}`);
  assert.equal(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.equal(c.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi', 'nvidia.com/gpu': '1' } });
  assert.equal(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], 'a GPU model tolerates the GPU nodes\' taint');
  assert.equal(c.startupProbe!.httpGet, { path: '/ready', port: 'http' });
  assert.equal(c.readinessProbe!.httpGet, { path: '/ready', port: 'http' });
  assert.is(c.readinessProbe!.timeoutSeconds, 32, 'the probe waits out a call in flight (timeoutSeconds 30)');
  assert.equal(c.lifecycle!.preStop!.exec!.command, ['sleep', '5']);
  const env = Object.fromEntries(c.env!.map((e) => [e.name, e]));
  assert.equal(env.THRESHOLD, { name: 'THRESHOLD', value: '0.5' });
  assert.equal(env.DB_PASSWORD, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'slipway-iris-env-0123456789', key: 'DB_PASSWORD' } } });
  assert.equal(env.SLIPWAY_CONCURRENCY, { name: 'SLIPWAY_CONCURRENCY', value: '2' });
  assert.not.ok(JSON.stringify(d).includes('IRIS_DB_PASSWORD'), 'the secret is referred to by its name in the pod, not the apply environment');
});

test('model Deployment: recreate, stopped, no secrets, no pull secret, no commit', () => {
  const d = valid(Deployment, modelDeployment(deploymentInput({
    serving: servingWith({ rollout: 'recreate', env: {}, resources: { cpu: null, memory: null, gpu: 0 } }),
    state: 'stopped',
    imagePullSecret: null,
    gitCommit: null,
    envSecret: null,
  })));
  assert.equal(d.spec!.strategy, { type: 'Recreate' });
  assert.not.ok('tolerations' in d.spec!.template.spec!, 'no GPU, no toleration');
  assert.is(d.spec!.replicas, 0);
  assert.is(d.metadata!.annotations!['slipway.dev/state'], 'stopped');
  assert.not.ok('slipway.dev/git-commit' in d.metadata!.annotations!);
  assert.not.ok('imagePullSecrets' in d.spec!.template.spec!);
  assert.not.ok('annotations' in d.spec!.template.metadata!);
  assert.equal(d.spec!.template.spec!.containers[0].resources, {});
});

test('each deployment id is a Deployment of its own (blue/green): another name and selector', () => {
  const seven = modelDeployment(deploymentInput());
  const eight = modelDeployment(deploymentInput({ serving: servingWith({ replicas: 3 }), deploymentId: 8 }));
  assert.equal([seven.metadata!.name, eight.metadata!.name], ['slipway-iris-d7', 'slipway-iris-d8']);
  assert.is(eight.spec!.selector.matchLabels!['slipway.dev/deployment-id'], '8');
});

test('model Service: ClusterIP, port 80 to the runtime port by name, selecting the pods of every deployment id', () => {
  const s = valid(Service, modelService(owner));
  assert.is(s.metadata!.name, 'slipway-iris');
  assert.is(s.spec!.type, 'ClusterIP');
  assert.equal(s.spec!.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  const { 'slipway.dev/deployment-id': _id, ...withoutId } = modelDeployment(deploymentInput()).spec!.selector.matchLabels!;
  assert.equal(s.spec!.selector, withoutId);
  assert.not.ok(s.metadata!.annotations, 'the serving id is written by the switch, never by apply (serving-switch.ts)');
});

test('Secrets: env values and the access key, base64 in data', () => {
  const env = valid(Secret, envSecret(owner, { DB_PASSWORD: 'hunter2' }, '0123456789'));
  assert.is(env.metadata!.name, 'slipway-iris-env-0123456789');
  assert.is(env.immutable, true);
  assert.is(env.metadata!.labels!['slipway.dev/secret'], 'env');
  assert.is(Buffer.from(env.data!.DB_PASSWORD, 'base64').toString(), 'hunter2');
  const access = valid(Secret, accessKeySecret(owner, 'k'.repeat(32)));
  assert.is(access.metadata!.name, 'slipway-iris-access-key');
  assert.is(Buffer.from(access.data!.accessKeySha256, 'base64').toString(), hashKey('k'.repeat(32)));
  const pull = valid(Secret, pullSecret({ namespace: 'models', name: 'pull', registry: 'registry.example.com/ml', username: 'u', password: 'p' }));
  assert.is(pull.type, 'kubernetes.io/dockerconfigjson');
  const config = JSON.parse(Buffer.from(pull.data!['.dockerconfigjson'], 'base64').toString());
  assert.equal(Object.keys(config.auths), ['registry.example.com']);
});

test('records: immutable ConfigMaps that round-trip and hold no secret value', () => {
  const record = {
    id: 7, model: 'iris', build: 3, buildKey: 'a'.repeat(64), image: 'img', serving: servingWith(), servingHash: 'c'.repeat(64),
    state: 'running' as const, action: 'create' as const, reasons: ['new model'], gitCommit: null, actor: 'ci', createdAt: '2024-01-01T00:00:00.000Z',
  };
  const history = valid(ConfigMap, deploymentRecordConfigMap('models', record));
  assert.is(history.metadata!.name, 'slipway-iris-d7');
  assert.is(history.metadata!.labels!['slipway.dev/history'], 'true');
  assert.is(history.immutable, true);
  assert.equal(parseDeploymentRecord(history), record);
  const build = { model: 'iris', number: 3, key: 'a'.repeat(64), inputs, artifact: 'r/iris:k', digest: null, gitCommit: null, createdAt: 'now' };
  const buildMap = valid(ConfigMap, buildRecordConfigMap('models', build));
  assert.is(buildMap.metadata!.name, 'slipway-iris-b3');
  assert.equal(parseBuildRecord(buildMap), build);
  assert.is(parseDeploymentRecord({ data: { 'deployment.json': '{"id": "x"}' } }), null);
  assert.is(parseBuildRecord({ data: {} }), null);
});

test('install: ServiceAccount, Role, RoleBinding, Deployment and Service validate; RBAC reads what discovery reads', () => {
  const [sa, role, binding, deployment, service] = gatewayManifests({
    project: 'demo', namespace: 'models', image: 'registry.example.com/slipway:1', replicas: 2, serviceType: 'ClusterIP', imagePullSecret: null,
  });
  valid(ServiceAccount, sa);
  valid(Role, role);
  valid(RoleBinding, binding);
  valid(Deployment, deployment);
  valid(Service, service);
  const rule = (resource: string) => role.rules!.find((r) => r.resources!.includes(resource));
  assert.equal(rule('endpointslices'), { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] });
  assert.equal(rule('secrets')!.verbs, ['get', 'list', 'watch']);
  assert.equal(rule('deployments')!.apiGroups, ['apps']);
  assert.is(binding.subjects![0].name, sa.metadata!.name);
  assert.is(deployment.spec!.template.spec!.serviceAccountName, 'slipway-gateway');
  assert.equal(deployment.spec!.template.spec!.containers[0].command!.slice(2, 4), ['gateway', '--kubernetes']);
  assert.equal(service.spec!.selector, deployment.spec!.selector.matchLabels);
});

test('the apply Lease validates', () => {
  valid(Lease, leaseManifest({ namespace: 'models', holder: 'ci-1', durationSeconds: 15, now: new Date(0), transitions: 0 }));
});

test('image: pinned by digest in the build repository, or by key under the registry', () => {
  const digest = `sha256:${'f'.repeat(64)}`;
  assert.is(imageFor({ model: 'iris', key: 'k1', artifact: 'localhost:5001/iris:k1', digest }, 'ignored'), `localhost:5001/iris@${digest}`);
  assert.is(imageFor({ model: 'iris', key: 'k1', artifact: 'localhost:5001/iris:k1', digest: null }, 'r'), 'localhost:5001/iris:k1');
  assert.is(imageFor({ model: 'iris', key: 'k1', artifact: null, digest }, 'registry.example.com/ml/'), `registry.example.com/ml/iris@${digest}`);
  assert.is(imageFor({ model: 'iris', key: 'k1', artifact: '/var/builds/iris/1', digest: null }, 'r:5000'), 'r:5000/iris:k1');
});

test('candidate images go to a repository applies never deploy from', () => {
  assert.is(candidateRegistry('registry.example.com/ml'), 'registry.example.com/ml-candidates');
  assert.is(candidateRegistry('registry.example.com/ml/'), 'registry.example.com/ml-candidates');
  assert.is(candidateRegistry('localhost:5001'), 'localhost:5001/candidates');
});

test.run();
