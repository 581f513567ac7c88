// The rollout controller on an injected clock: steps move only once their interval has passed and
// the policy holds; a breach rolls back with the reason; a shadow is promoted after its duration;
// answers are compared by request. Calls are synthetic tapped calls, as the gateway gives them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRolloutController } from '../../src/rollouts/rollout-controller.ts';
import { percentileMs } from '../../src/rollouts/rollout-window.ts';
import type { TappedCall } from '../../src/gateway/types.ts';
import type { RolloutPolicy } from '../../src/spec/types.ts';

const canary: RolloutPolicy = { strategy: 'canary', steps: [5, 25, 50, 100], intervalMs: 600_000, maxErrorRate: 0.01, maxP95Ms: 50 };

function harness() {
  let t = 1_000_000;
  const done: string[] = [];
  const c = createRolloutController(
    {
      reroute: (model) => done.push(`reroute ${model} ${c.variantOf(model)?.weight}`),
      promote: async (model, id) => void done.push(`promote ${model} #${id}`),
      rollBack: async (model, id, reason) => void done.push(`rollback ${model} #${id}: ${reason}`),
    },
    () => t,
  );
  return { c, done, advance: (ms: number) => (t += ms) };
}

const call = (deploymentId: number, status: number, seconds: number, request = '{}', answer = '{"response":1}'): TappedCall => ({
  model: 'm', deploymentId, build: deploymentId, role: deploymentId === 1 ? 'primary' : 'canary', replicaId: 'r',
  request: Buffer.from(request), answer: Buffer.from(answer), status, outcome: status === 200 ? 'success' : 'raised', seconds, startedAt: 0,
});

test('a healthy canary moves one step per interval, then becomes the primary', async () => {
  const { c, done, advance } = harness();
  c.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  assert.equal(c.variantOf('m'), { role: 'canary', deploymentId: 2, weight: 5 });
  c.record(call(1, 200, 0.01));
  c.record(call(2, 200, 0.01));
  advance(599_999);
  assert.not.ok(c.due());
  await c.tick();
  assert.equal(done, [], 'nothing moves before the interval');
  advance(1);
  assert.ok(c.due());
  await c.tick();
  assert.equal(done, ['reroute m 25']);
  // The window restarts with each step: the earlier step is kept for status.
  assert.is(c.status('m')!.comparison.candidate.calls, 0);
  assert.is(c.status('m')!.earlier.length, 1);
  advance(600_000);
  await c.tick();
  advance(600_000);
  await c.tick();
  assert.equal(done, ['reroute m 25', 'reroute m 50', 'promote m #2']);
  assert.is(c.variantOf('m'), null);
  assert.is(c.status('m')!.outcome, 'promoted');
});

test('errors beyond the live build\'s rate roll back at the first step, with the reason', async () => {
  const { c, done, advance } = harness();
  c.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  for (let i = 0; i < 100; i++) c.record(call(1, i < 2 ? 500 : 200, 0.01));
  for (let i = 0; i < 20; i++) c.record(call(2, i < 1 ? 500 : 200, 0.01));
  advance(600_000);
  await c.tick();
  assert.equal(done, ['rollback m #2: canary at 5 % rolled back: error rate 5.0 % (1 of 20 calls) against the live build\'s 2.0 %; maxErrorRate allows 1.0 % more']);
  assert.is(c.variantOf('m'), null);
  assert.is(c.status('m')!.outcome, 'rolled back');
});

test('the same error rate as the live build holds; a slow canary breaks maxP95', async () => {
  const { c, done, advance } = harness();
  c.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  for (let i = 0; i < 100; i++) c.record(call(1, i < 2 ? 500 : 200, 0.01));
  for (let i = 0; i < 50; i++) c.record(call(2, i < 1 ? 500 : 200, 0.01));
  advance(600_000);
  await c.tick();
  assert.equal(done, ['reroute m 25']);
  for (let i = 0; i < 20; i++) c.record(call(2, 200, i < 18 ? 0.01 : 0.08));
  advance(600_000);
  await c.tick();
  assert.match(done[1], /^rollback m #2: canary at 25 % rolled back: p95 latency 80\.0 ms is over maxP95 50 ms/);
});

test('a shadow compares answers by request and is promoted after its duration', async () => {
  const { c, done, advance } = harness();
  c.start('m', { strategy: 'shadow', durationMs: 3_600_000, maxErrorRate: 0.01, maxP95Ms: null }, { id: 1, build: 1 }, { id: 2, build: 2 });
  assert.equal(c.variantOf('m'), { role: 'shadow', deploymentId: 2, weight: 100 });
  for (let i = 0; i < 10; i++) c.record(call(1, 200, 0.01, `{"x":${i}}`, `{"response":${i}}`));
  // Copies of calls 0-7 come back (8 and 9 were dropped); 3 answers differ.
  for (let i = 0; i < 8; i++) c.record(call(2, 200, 0.01, `{"x":${i}}`, `{"response":${i < 3 ? -1 : i}}`));
  const s = c.status('m')!;
  assert.equal([s.comparison.live.calls, s.comparison.candidate.calls, s.comparison.compared, s.comparison.changed], [10, 8, 8, 3]);
  advance(3_599_999);
  await c.tick();
  assert.equal(done, []);
  advance(1);
  await c.tick();
  assert.equal(done, ['promote m #2']);
});

test('promote by hand and nothing to promote', async () => {
  const { c, done } = harness();
  const refused = await c.promote('m').then(() => null, (error: Error) => error.message);
  assert.is(refused, 'm has no rollout in progress: nothing to promote');
  c.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  const state = await c.promote('m');
  assert.equal([state.outcome, state.reason, state.weight], ['promoted', 'promoted by hand', 100]);
  assert.equal(done, ['promote m #2']);
});

test('p95 by nearest rank', () => {
  assert.is(percentileMs([], 0.95), null);
  assert.is(percentileMs(Array.from({ length: 100 }, (_, i) => (i + 1) / 1000), 0.95), 95);
});

test.run();

test('a rollout saved by one controller goes on in another: same step, deadline and counters', async () => {
  const saved = new Map<string, unknown>();
  const first = harness();
  const c1 = createRolloutController(
    { reroute() {}, promote: async () => {}, rollBack: async () => {}, saved: (model, s) => void saved.set(model, s) },
    () => 1_000_000,
  );
  c1.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  assert.ok(saved.get('m'), 'the start is saved');
  for (let i = 0; i < 40; i++) c1.record(call(1, 200, 0.01));
  for (let i = 0; i < 3; i++) c1.record(call(2, 500, 0.02));
  // The process stops: what survives is the last snapshot, taken between calls.
  const [snapshot] = JSON.parse(JSON.stringify(c1.snapshots()));

  const { c, done, advance } = first;
  c.resume(snapshot);
  assert.equal(c.variantOf('m'), { role: 'canary', deploymentId: 2, weight: 5 });
  const s = c.status('m')!;
  assert.is(s.comparison.live.calls, 40);
  assert.is(s.comparison.candidate.errors, 3);
  assert.is(s.nextAt, 1_000_000 + 600_000, 'the deadline is the one set before the restart');
  advance(600_000);
  await c.tick();
  assert.match(done.join('\n'), /rollback m #2: canary at 5 % rolled back/);

  // Steps and the end are saved as they happen.
  c1.record(call(1, 200, 0.01));
  await c1.promote('m');
  assert.is(saved.get('m'), null, 'a finished rollout leaves nothing to resume');
});

test('a finished rollout is not resumed', () => {
  const { c } = harness();
  c.start('m', canary, { id: 1, build: 1 }, { id: 2, build: 2 });
  const [snapshot] = c.snapshots();
  const other = harness().c;
  other.resume({ ...snapshot, state: { ...snapshot.state, outcome: 'promoted' } });
  assert.is(other.variantOf('m'), null);
});
