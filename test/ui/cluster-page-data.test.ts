// The in-cluster dashboard's page data from plain values: records, live Deployments, the gateway's
// counters and the store's recent totals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterState, HistoryEntry } from '../../src/backends/kubernetes/observe.ts';
import type { BuildRecord, DeploymentRecord } from '../../src/backends/kubernetes/records.ts';
import type { ReplicaStats } from '../../src/gateway/types.ts';
import type { RolloutState } from '../../src/rollouts/rollout-controller.ts';
import { clusterModelPage, clusterOverviewModels, clusterRollout } from '../../src/ui/cluster-page-data.ts';

const serving = (replicas: number) => ({
  replicas, resources: { cpu: '500m', memory: '1Gi', gpu: 0 }, env: { TOKEN: { fromEnv: 'T', digest: 'd' }, LEVEL: 'info' },
  concurrency: 1, timeoutSeconds: 30, busyTimeoutSeconds: 30, auth: true, maxRequestBytes: 5_000_000,
});
const record = (id: number, build: number, replicas: number): DeploymentRecord => ({
  id, model: 'iris', build, buildKey: `k${build}`, image: 'img', serving: serving(replicas) as never, servingHash: 'h', state: 'running',
  action: 'create', reasons: ['new model'], gitCommit: 'c0ffee', actor: 'ci:bot', createdAt: `2026-12-0${id}T00:00:00Z`,
});
const build = (n: number, status?: BuildRecord['status']): BuildRecord => ({
  model: 'iris', number: n, key: `k${n}`, inputs: { files: [] } as never, artifact: 'img', digest: null, gitCommit: 'c0ffee', createdAt: '2026-12-01T00:00:00Z',
  ...(status ? { status, errorTail: status === 'failed' ? 'pip failed' : undefined } : {}),
});
const live = (replicas: number, ready: number, deploymentId: number) => ({
  metadata: { name: 'slipway-iris', labels: { 'slipway.dev/model': 'iris', 'slipway.dev/deployment': String(deploymentId) }, annotations: {} },
  spec: { replicas, template: { spec: { containers: [{ image: 'img' }] } } },
  status: { readyReplicas: ready, replicas },
});
const history: HistoryEntry[] = [
  { record: record(1, 1, 2), failed: false, deleted: false },
  { record: record(2, 2, 3), failed: true, deleted: false },
];
const state: ClusterState = {
  builds: new Map([['iris', [build(1), build(2, 'failed')]]]),
  history: new Map([['iris', history]]),
  deployments: new Map([['iris', live(2, 1, 1) as never]]),
  highestId: 2,
};
const stats: ReplicaStats[] = [
  { model: 'iris', replicaId: 'slipway-iris-a', origin: 'x', state: 'ready', inFlight: 0, received: 9, processed: 9, success: 8, failure: 1, error: 0, busy: 2, notReady: 0, restarts: 1 },
  { model: 'other', replicaId: 'slipway-other-a', origin: 'x', state: 'ready', inFlight: 0, received: 1, processed: 1, success: 1, failure: 0, error: 0, busy: 0, notReady: 0, restarts: 0 },
];

test('overview: the last deployment that did not fail, live readiness, stored totals plus unsampled calls', () => {
  const [iris] = clusterOverviewModels(state, [{ model: 'iris', calls: 40, failed: 2, p95: 12.5 }], new Map([['iris', { calls: 3, failed: 1 }]]), null);
  assert.equal(
    [iris!.name, iris!.deploymentId, iris!.build, iris!.wantedReplicas, iris!.callsLastHour, iris!.failedLastHour, iris!.p95Ms, iris!.cpu, iris!.memory],
    ['iris', 1, 1, 2, 43, 3, 12.5, '500m', '1Gi'],
  );
  assert.equal(clusterOverviewModels(state, [], new Map(), ['other']), [], 'out of scope');
});

test("a model's page: its replicas only, builds and deployments newest first, env by name, no access key", () => {
  const page = clusterModelPage(state, stats, 'iris', null, 'http://gw/model')!;
  assert.equal(page.replicas.map((r) => [r.id, r.success, r.failure, r.busy, r.restarts, r.pid]), [['slipway-iris-a', 8, 1, 2, 1, null]]);
  assert.equal(page.builds.map((b) => [b.number, b.status, b.logTail]), [[2, 'failed', 'pip failed'], [1, 'succeeded', null]]);
  assert.equal(page.deployments.map((d) => [d.id, d.status, d.serving.replicas, d.serving.env]), [[2, 'failed', 3, ['LEVEL', 'TOKEN']], [1, 'applied', 2, ['LEVEL', 'TOKEN']]]);
  assert.is(page.accessKey, null);
  assert.not.ok(JSON.stringify(page).includes('info'), 'no env value');
  assert.is(clusterModelPage(state, stats, 'iris', ['other'], 'x'), null);
  assert.is(clusterModelPage(state, stats, 'nobody', null, 'x'), null);
});

const side = (calls: number) => ({ calls, errors: 0, errorRate: 0, p95Ms: 4 });
const rollout = (extra: Partial<RolloutState>): RolloutState => ({
  model: 'iris', strategy: 'canary', liveDeploymentId: 1, candidateDeploymentId: 2, liveBuild: 1, candidateBuild: 2,
  step: 0, steps: [20, 100], weight: 20, startedAt: 0, stepStartedAt: 0, nextAt: 60_000,
  comparison: { live: side(10), candidate: side(3) }, earlier: [], outcome: 'running', reason: null, ...extra,
});

test("rollouts: the leader's own running state first, else the saved copy, else the last that ended", () => {
  const saved = rollout({ savedAt: 5_000 });
  const ended = rollout({ candidateDeploymentId: 1, outcome: 'rolled back', reason: 'error rate 50.0 %' });
  const withRollout: ClusterState = { ...state, rollouts: new Map([['iris', { running: saved, candidate: undefined, ended }]]) };
  const mine = rollout({ comparison: { live: side(40), candidate: side(12) } });
  assert.is(clusterRollout(withRollout, 'iris', () => mine), mine, 'this replica leads: its controller');
  assert.is(clusterRollout(withRollout, 'iris', () => null), saved, 'another replica leads: as saved');
  assert.is(clusterRollout(withRollout, 'iris', () => rollout({ outcome: 'promoted' })), saved, "the leader's finished one is not fresher than the Service");
  assert.is(clusterRollout({ ...state, rollouts: new Map([['iris', { running: null, candidate: undefined, ended }]]) }, 'iris'), ended);
  assert.is(clusterRollout(state, 'iris'), null);
  const [iris] = clusterOverviewModels(withRollout, [], new Map(), null, () => null);
  assert.is(iris!.rollout, 'canary 20 % (step 1/2)');
  assert.is(clusterOverviewModels(state, [], new Map(), null)[0]!.rollout, null);
  assert.is(clusterModelPage(withRollout, stats, 'iris', null, 'x', () => mine)!.rollout, mine);
});

test.run();
