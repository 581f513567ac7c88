// The rollout as a Service carries it: a saved snapshot is trimmed to fit an annotation and keeps
// its p95 close; annotations edited into nonsense name no variant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compact, runningAnnotations, snapshotFromService, stateOfSnapshot, variantFromService } from '../../src/backends/kubernetes/rollout-annotations.ts';
import { createRolloutController, type RolloutSnapshot } from '../../src/rollouts/rollout-controller.ts';
import type { TappedCall } from '../../src/gateway/types.ts';

/** Latencies uniform in [0, 10 ms) from a fixed seed (a linear congruential generator). */
function latencies(): () => number {
  let x = 12345;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 0.01;
  };
}

function busySnapshot(calls: number): RolloutSnapshot {
  const latency = latencies();
  let saved: RolloutSnapshot | null = null;
  const c = createRolloutController({ reroute() {}, promote: async () => {}, rollBack: async () => {}, saved: (_m, s) => void (saved = s ?? saved) });
  c.start('m', { strategy: 'canary', steps: [10, 100], intervalMs: 60_000, maxErrorRate: 0.01, maxP95Ms: null }, { id: 1, build: 1 }, { id: 2, build: 2 });
  for (let i = 0; i < calls; i++) {
    const call: TappedCall = {
      model: 'm', deploymentId: 1 + (i % 2), build: 1, role: 'primary', replicaId: 'r', request: Buffer.from('{}'), answer: Buffer.from('{}'),
      status: i % 50 === 0 ? 500 : 200, outcome: 'success', seconds: latency(), startedAt: 0,
    };
    c.record(call);
  }
  return c.snapshots()[0] ?? saved!;
}

test('a busy window fits an annotation: at most 500 latencies a side, counters and p95 kept', () => {
  const snapshot = busySnapshot(20_000);
  const small = compact(snapshot);
  assert.ok(small.window.live.seconds.length === 500 && small.window.candidate.seconds.length === 500);
  const text = runningAnnotations(snapshot, 1_000)['slipway.dev/rollout'];
  assert.ok(text.length < 16_384, `${text.length} characters`);
  const [before, after] = [stateOfSnapshot(snapshot).comparison, stateOfSnapshot(JSON.parse(text) as RolloutSnapshot).comparison];
  assert.equal([after.live.calls, after.live.errors, after.candidate.calls], [before.live.calls, before.live.errors, before.candidate.calls]);
  // Within 1/500 of the distribution (10 ms wide) and the microsecond rounding.
  assert.ok(Math.abs(after.live.p95Ms! - before.live.p95Ms!) <= 10 / 500 + 0.001, `p95 ${before.live.p95Ms} → ${after.live.p95Ms}`);
});

test('the annotations round-trip, and nonsense names no variant', () => {
  const annotations = runningAnnotations(busySnapshot(10), 1_764_570_000_000);
  const service = { metadata: { annotations } };
  assert.equal(variantFromService(service), { role: 'canary', deploymentId: 2, weight: 10 });
  assert.is(snapshotFromService(service)?.state.candidateDeploymentId, 2);
  // Status and the dashboard say when a saved copy was written (the leader's own view is fresher).
  assert.is(stateOfSnapshot(snapshotFromService(service)!).savedAt, 1_764_570_000_000);
  assert.is(stateOfSnapshot(busySnapshot(10)).savedAt, undefined);
  const nonsense: Record<string, string>[] = [{ 'slipway.dev/rollout-weight': '120' }, { 'slipway.dev/rollout-role': 'blue' }, { 'slipway.dev/rollout-deployment-id': 'two' }];
  for (const bad of nonsense) {
    assert.is(variantFromService({ metadata: { annotations: { ...annotations, ...bad } } }), null, JSON.stringify(bad));
  }
  assert.is(snapshotFromService({ metadata: { annotations: { 'slipway.dev/rollout': '{not json' } } }), null);
});

test.run();
