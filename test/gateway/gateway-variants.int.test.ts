// Variants of a model on a real gateway and real HTTP peers: a canary's weight splits calls, a
// shadow gets copies whose answers reach only the call tap, and the tap sees every call.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Harness, startGateway, testRoute, until } from './gateway-harness.ts';
import { type ReplicaPeer, startReplicaPeer } from './replica-peer.ts';

type Context = { h: Harness; peers: ReplicaPeer[]; draws: number };
const test = suite<Context>('gateway variants');

test.before.each(async (ctx) => {
  ctx.draws = 0;
  // Draws walk 0.00, 0.01, … 0.99 and around: over 100 calls each weight is met exactly.
  ctx.h = await startGateway({ random: () => (ctx.draws++ % 100) / 100 });
  ctx.peers = [];
});

test.after.each(async (ctx) => {
  await ctx.h.close();
  for (const peer of ctx.peers) await peer.close();
});

async function peer(ctx: Context, name: string): Promise<ReplicaPeer> {
  const started = await startReplicaPeer(name);
  ctx.peers.push(started);
  return started;
}

test('two serving variants split calls by weight, each answer from the variant that took it', async (ctx) => {
  const { h } = ctx;
  const primary = await peer(ctx, 'm-1-1-aaaa');
  const canary = await peer(ctx, 'm-2-1-bbbb');
  h.gateway.setRoute(testRoute('m', [primary.handle], {
    variants: [{ role: 'canary', deploymentId: 2, build: 2, weight: 25, replicas: [canary.handle] }],
  }));
  const answeredBy = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const answer = await h.call('/models/m', { i });
    assert.is(answer.status, 200);
    assert.is(answer.body.response.peer, answer.body.ReplicaID);
    answeredBy.set(answer.body.ReplicaID, (answeredBy.get(answer.body.ReplicaID) ?? 0) + 1);
  }
  assert.equal(Object.fromEntries(answeredBy), { 'm-1-1-aaaa': 75, 'm-2-1-bbbb': 25 });
  assert.is(primary.calls, 75);
  assert.is(canary.calls, 25);
  const tapped = h.taps.map((t) => `${t.role}:${t.deploymentId}:${t.build}:${t.replicaId}`);
  assert.is(tapped.filter((t) => t === 'canary:2:2:m-2-1-bbbb').length, 25);
  assert.is(tapped.filter((t) => t === 'primary:1:1:m-1-1-aaaa').length, 75);
});

test('a shadow gets a copy of each answered call; its answers reach the tap, never the client', async (ctx) => {
  const { h } = ctx;
  const live = await peer(ctx, 'm-1-1-live');
  const shadow = await peer(ctx, 'm-2-1-shadow');
  h.gateway.setRoute(testRoute('m', [live.handle], {
    variants: [{ role: 'shadow', deploymentId: 2, build: 2, weight: 100, replicas: [shadow.handle] }],
  }));
  for (let i = 0; i < 10; i++) {
    const answer = await h.call('/models/m', { i });
    assert.is(answer.status, 200);
    assert.equal(answer.body, { success: true, response: { peer: 'm-1-1-live', echo: { i } }, ReplicaID: 'm-1-1-live' });
  }
  await until(() => h.taps.filter((t) => t.role === 'shadow').length === 10, 'ten shadow answers');
  assert.is(shadow.calls, 10);
  const shadows = h.taps.filter((t) => t.role === 'shadow');
  for (const [i, t] of shadows.entries()) {
    assert.is(t.deploymentId, 2);
    assert.is(t.outcome, 'success');
    assert.is(t.request.toString(), JSON.stringify({ i }));
    assert.equal(JSON.parse(t.answer!.toString()).response, { peer: 'm-2-1-shadow', echo: { i } });
  }
  // The shadow's counters are its own replica's: the live replica counted only live calls.
  const stats = new Map(h.gateway.stats().map((s) => [s.replicaId, s]));
  assert.is(stats.get('m-1-1-live')!.success, 10);
  assert.is(stats.get('m-2-1-shadow')!.success, 10);
});

test('a shadow that raises or hangs changes nothing for the client; a busy shadow drops copies', async (ctx) => {
  const { h } = ctx;
  const live = await peer(ctx, 'm-1-1-live');
  const shadow = await peer(ctx, 'm-2-1-shadow');
  h.gateway.setRoute(testRoute('m', [live.handle], {
    variants: [{ role: 'shadow', deploymentId: 2, build: 2, weight: 100, replicas: [shadow.handle] }],
  }));
  const raised = await h.call('/models/m', { raise: 'boom' });
  assert.is(raised.status, 500);
  assert.is(raised.body.ReplicaID, 'm-1-1-live');
  await until(() => h.taps.some((t) => t.role === 'shadow' && t.outcome === 'raised'), 'the shadow raising');
  // The shadow now holds a call: the next copies find its only replica busy and are dropped.
  assert.is((await h.call('/models/m', { holdOn: 'm-2-1-shadow' })).body.ReplicaID, 'm-1-1-live');
  await shadow.whenOpen(1);
  const callsBefore = shadow.calls;
  for (let n = 1; n <= 3; n++) assert.is((await h.call('/models/m', { n })).status, 200);
  assert.is(shadow.calls, callsBefore);
  shadow.release();
  await until(() => h.taps.filter((t) => t.role === 'shadow').length === 2, 'the held copy answered');
});

test('the tap sees each call: its request bytes, status, outcome and latency', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-4-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle], { deploymentId: 4, build: 3 }));
  h.accessKeys.set('key', 'm');
  await h.call('/model', '{"accessKey": "key", "request": {"x": [1,  2]}}', { raw: true });
  await h.call('/models/m', { raise: 'no' });
  assert.is(h.taps.length, 2);
  const [ok, raised] = h.taps;
  assert.is(ok.model, 'm');
  assert.is(ok.role, 'primary');
  assert.is(ok.deploymentId, 4);
  assert.is(ok.build, 3);
  assert.is(ok.request.toString(), '{"x": [1,  2]}');
  assert.is(ok.status, 200);
  assert.is(ok.outcome, 'success');
  assert.ok(ok.seconds >= 0);
  assert.ok(Math.abs(ok.startedAt - Date.now()) < 60_000);
  assert.is(raised.status, 500);
  assert.is(raised.outcome, 'raised');
  assert.match(raised.answer!.toString(), /"message": ?"no"/);
});

test('a canary that leaves the route sends its queued calls to the primary; a promoted canary serves all', async (ctx) => {
  const { h } = ctx;
  const primary = await peer(ctx, 'm-1-1-aaaa');
  const canary = await peer(ctx, 'm-2-1-bbbb');
  h.gateway.setRoute(testRoute('m', [primary.handle], {
    variants: [{ role: 'canary', deploymentId: 2, build: 2, weight: 100, replicas: [canary.handle] }],
  }));
  const first = h.call('/models/m', { hold: true });
  await canary.whenOpen(1);
  const queued = h.call('/models/m', { second: true });
  await until(() => h.gateway.queued('m') === 1, 'a call queued on the canary');
  h.gateway.setRoute(testRoute('m', [primary.handle]));
  assert.is((await queued).body.ReplicaID, 'm-1-1-aaaa');
  canary.release();
  assert.is((await first).body.ReplicaID, 'm-2-1-bbbb');
  h.gateway.setRoute(testRoute('m', [canary.handle], { deploymentId: 2, build: 2 }));
  assert.is((await h.call('/models/m', {})).body.ReplicaID, 'm-2-1-bbbb');
});

test.run();
