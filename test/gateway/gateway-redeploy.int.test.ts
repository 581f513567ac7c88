// Zero-downtime redeploys as the supervisor drives them: start new replicas, `setRoute`, await
// `drain(old ids)`, stop the old processes. Client loops run throughout; none may fail.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Harness, startGateway, testRoute, until } from './gateway-harness.ts';
import { type ReplicaPeer, startReplicaPeer } from './replica-peer.ts';

type Context = { h: Harness; peers: ReplicaPeer[] };
const test = suite<Context>('gateway redeploy');

test.before.each(async (ctx) => {
  ctx.h = await startGateway();
  ctx.peers = [];
});

test.after.each(async (ctx) => {
  await ctx.h.close();
  for (const peer of ctx.peers) await peer.close();
});

async function peers(ctx: Context, ...names: string[]): Promise<ReplicaPeer[]> {
  const started = await Promise.all(names.map((name) => startReplicaPeer(name)));
  ctx.peers.push(...started);
  return started;
}

/** `loops` clients each making `count` calls in a row; resolves with every status seen. */
function clientLoops(h: Harness, loops: number, count: number, progress: { done: number }): Promise<number[]> {
  const statuses: number[] = [];
  return Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      for (let i = 0; i < count; i++) {
        const answer = await h.call('/models/m', { loop, i });
        statuses.push(answer.status);
        progress.done++;
      }
    }),
  ).then(() => statuses);
}

test('route swap under load: no call fails, drain waits for calls on the old replicas', async (ctx) => {
  const { h } = ctx;
  const [old1, old2, new1, new2] = await peers(ctx, 'm-1-1-old1', 'm-1-1-old2', 'm-2-2-new1', 'm-2-2-new2');
  h.gateway.setRoute(testRoute('m', [old1.handle, old2.handle], { concurrency: 2 }));
  const progress = { done: 0 };
  const loops = clientLoops(h, 4, 150, progress);
  await until(() => progress.done >= 100, 'load on the old deployment');
  // a slow call is in flight on an old replica while the route switches
  const slow = h.call('/models/m', { hold: true });
  await until(() => old1.open + old2.open === 1, 'the slow call on an old replica');
  // read in the same tick as the switch: calls the gateway sent to the old replicas up to now
  const sentBeforeSwitch = h.gateway.stats().reduce((sum, s) => sum + s.received, 0);
  h.gateway.setRoute(testRoute('m', [new1.handle, new2.handle], { deploymentId: 2, build: 2, concurrency: 2 }));
  let drained = false;
  const drain = h.gateway.drain(['m-1-1-old1', 'm-1-1-old2']).then(() => (drained = true));
  await until(() => progress.done >= 400, 'load on the new deployment');
  assert.is(drained, false, 'drain resolved with a call still in flight on an old replica');
  old1.release();
  old2.release();
  const slowAnswer = await slow;
  await drain;
  assert.is(slowAnswer.status, 200);
  // the supervisor now stops the old processes; the load keeps going on the new ones
  await old1.close();
  await old2.close();
  const statuses = await loops;
  assert.is(statuses.length, 600);
  assert.equal(statuses.filter((s) => s !== 200), []);
  assert.ok(new1.calls > 0 && new2.calls > 0);
  // nothing went to the old replicas after the switch
  assert.is(old1.calls + old2.calls, sentBeforeSwitch);
  assert.equal(h.died, []);
  // counters: every call counted once, on the replica that served it
  const stats = h.gateway.stats();
  assert.equal(stats.map((s) => s.replicaId).sort(), ['m-2-2-new1', 'm-2-2-new2']);
  const onNew = stats.reduce((sum, s) => sum + s.success, 0);
  assert.is(onNew, new1.calls + new2.calls);
  assert.is(onNew + old1.calls + old2.calls, 601);
});

test('calls queued during a swap go to the new replicas', async (ctx) => {
  const { h } = ctx;
  const [old1, new1] = await peers(ctx, 'm-1-1-old1', 'm-2-2-new1');
  h.gateway.setRoute(testRoute('m', [old1.handle]));
  const slow = h.call('/models/m', { hold: true });
  await old1.whenOpen(1);
  const queued = [h.call('/models/m', { q: 1 }), h.call('/models/m', { q: 2 })];
  await until(() => h.gateway.queued('m') === 2, 'two queued calls');
  h.gateway.setRoute(testRoute('m', [new1.handle], { deploymentId: 2, concurrency: 2 }));
  const answers = await Promise.all(queued);
  assert.equal(answers.map((a) => a.body.ReplicaID), ['m-2-2-new1', 'm-2-2-new1']);
  old1.release();
  assert.is((await slow).body.ReplicaID, 'm-1-1-old1');
  await h.gateway.drain(['m-1-1-old1']);
});

test('a removed model finishes its calls: drain still waits for them', async (ctx) => {
  const { h } = ctx;
  const [a] = await peers(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle]));
  const slow = h.call('/models/m', { hold: true });
  await a.whenOpen(1);
  h.gateway.removeRoute('m');
  assert.is((await h.call('/models/m', {})).body.errorCode, 'model.not_found');
  let drained = false;
  const drain = h.gateway.drain(['m-1-1-aaaa']).then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(drained, false);
  a.release();
  assert.is((await slow).status, 200);
  await drain;
  assert.equal(h.gateway.stats(), []);
});

test('stopping a model refuses its queued calls with model.stopped', async (ctx) => {
  const { h } = ctx;
  const [a] = await peers(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle]));
  const slow = h.call('/models/m', { hold: true });
  await a.whenOpen(1);
  const queued = h.call('/models/m', { q: 1 });
  await until(() => h.gateway.queued('m') === 1, 'a queued call');
  h.gateway.setRoute(testRoute('m', [], { state: 'stopped' }));
  assert.is((await queued).body.errorCode, 'model.stopped');
  a.release();
  assert.is((await slow).status, 200);
});

test.run();
