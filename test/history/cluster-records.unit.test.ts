// A cluster's records as history while a canary or shadow runs: the deployment being rolled out
// has not taken traffic yet, so the one before it still serves; once the rollout is gone (promoted),
// the newer one is the active one as usual.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClusterState, HistoryEntry } from '../../src/backends/kubernetes/observe.ts';
import type { RolloutState } from '../../src/rollouts/rollout-controller.ts';
import { clusterHistoryRecords } from '../../src/history/cluster-records.ts';
import { timeline } from '../../src/history/timeline.ts';

const entry = (id: number, createdAt: string): HistoryEntry => ({
  failed: false,
  deleted: false,
  record: {
    id, build: id, buildKey: `k${id}`, gitCommit: 'abc', actor: 'user:alice', state: 'running',
    serving: { replicas: 1, env: {} }, action: 'deploy', reasons: [], createdAt,
  } as unknown as HistoryEntry['record'],
});

const state = (running: number | null): ClusterState => ({
  builds: new Map(),
  deployments: new Map(),
  highestId: 2,
  history: new Map([['iris', [entry(1, '2026-12-01T08:00:00.000Z'), entry(2, '2026-12-01T09:00:00.000Z')]]]),
  rollouts: new Map([['iris', {
    running: running === null ? null : ({ candidateDeploymentId: running, outcome: 'running' } as RolloutState),
    candidate: undefined,
    ended: null,
  }]]),
});

test('during a rollout the live deployment is still active and the candidate is deploying', () => {
  const records = clusterHistoryRecords(state(2), 'iris');
  assert.equal(records.map((r) => [r.deploymentId, r.status, r.stoppedAt]), [[1, 'active', null], [2, 'deploying', null]]);
  const live = timeline(records);
  assert.is(live[0].servedUntil, null, 'the live deployment serves on');
  assert.is(live[1].servedFrom, null, 'the candidate has not served yet');
});

test('with no rollout running the newer deployment supersedes the older at its apply', () => {
  const records = clusterHistoryRecords(state(null), 'iris');
  assert.equal(records.map((r) => [r.deploymentId, r.status, r.stoppedAt]), [[1, 'superseded', '2026-12-01T09:00:00.000Z'], [2, 'active', null]]);
});

test.run();
