// Calls that work: the CML envelope on both routes, metrics, the busy queue, concurrency,
// replicas coming back after a timeout or a death, and the counters.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Harness, startGateway, testRoute, until } from './gateway-harness.ts';
import { type ReplicaPeer, startReplicaPeer } from './replica-peer.ts';

type Context = { h: Harness; peers: ReplicaPeer[] };
const test = suite<Context>('gateway calls');

test.before.each(async (ctx) => {
  ctx.h = await startGateway();
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

test('the CML envelope on /model, /model?accessKey= and /models/<name>', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'iris-1-1-aaaa');
  h.gateway.setRoute(testRoute('iris', [a.handle], { auth: true }));
  h.accessKeys.set('irisaccesskey', 'iris');
  h.apiKeys.set('apikey', { models: ['iris'] });
  const auth = { headers: { authorization: 'Bearer apikey' } };
  const expected = { success: true, response: { peer: 'iris-1-1-aaaa', echo: { petal_length: 5.4 } }, ReplicaID: 'iris-1-1-aaaa' };
  const cml = await h.call('/model', { accessKey: 'irisaccesskey', request: { petal_length: 5.4 } }, auth);
  assert.is(cml.status, 200);
  assert.is(cml.headers['content-type'], 'application/json');
  assert.equal(cml.body, expected);
  assert.equal((await h.call('/model?accessKey=irisaccesskey', { request: { petal_length: 5.4 } }, auth)).body, expected);
  assert.equal((await h.call('/models/iris', { petal_length: 5.4 }, auth)).body, expected);
});

test('any JSON value is a request; the body bytes reach the replica as sent', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle]));
  for (const value of [[1, 2, 3], 'text', 42, null, { nested: { deep: [true, false] } }]) {
    const answer = await h.call('/models/m', value);
    assert.is(answer.status, 200);
    assert.equal(answer.body.response.echo, value);
  }
});

test('a metrics-enabled response carries its uuid, and its metrics are recorded', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-7-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle], { deploymentId: 7 }));
  h.accessKeys.set('key', 'm');
  const answer = await h.call('/model', { accessKey: 'key', request: { metrics: { input_size: 3 } } });
  assert.is(answer.status, 200);
  const uuid = answer.body.uuid;
  assert.type(uuid, 'string');
  assert.equal(answer.body.response, { prediction: { peer: 'm-1-7-aaaa' }, uuid });
  assert.equal(h.metrics, [{ model: 'm', deploymentId: 7, replicaId: 'm-1-7-aaaa', uuid, metrics: { input_size: 3 } }]);
});

test('busy: the next call waits and gets 429 model.busy; the held call still succeeds', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle], { busyTimeoutMs: 50 }));
  const held = h.call('/models/m', { hold: true });
  await a.whenOpen(1);
  const busy = await h.call('/models/m', { a: 1 });
  assert.is(busy.status, 429);
  assert.is(busy.body.errorCode, 'model.busy');
  a.release();
  assert.is((await held).status, 200);
  const stats = h.gateway.stats()[0];
  assert.equal([stats.received, stats.success, stats.busy], [1, 1, 1]);
});

test('a queued call is served when the slow call ends, in arrival order', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle]));
  const first = h.call('/models/m', { hold: true });
  await a.whenOpen(1);
  const second = h.call('/models/m', { n: 2 });
  await until(() => h.gateway.queued('m') === 1, 'the second call to queue');
  const third = h.call('/models/m', { n: 3 });
  await until(() => h.gateway.queued('m') === 2, 'the third call to queue');
  assert.is(a.calls, 1);
  a.release();
  const answers = await Promise.all([first, second, third]);
  assert.equal(answers.map((x) => x.status), [200, 200, 200]);
  assert.equal([answers[1].body.response.echo, answers[2].body.response.echo], [{ n: 2 }, { n: 3 }]);
  assert.is(h.gateway.queued('m'), 0);
});

test('concurrency 2 lets two calls run on one replica at once', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle], { concurrency: 2 }));
  const calls = [h.call('/models/m', { hold: true }), h.call('/models/m', { hold: true })];
  await a.whenOpen(2);
  assert.is(h.gateway.stats()[0].inFlight, 2);
  a.release();
  assert.equal((await Promise.all(calls)).map((x) => x.status), [200, 200]);
});

test('calls spread over replicas, and a held replica does not block the others', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  const b = await peer(ctx, 'm-1-1-bbbb');
  h.gateway.setRoute(testRoute('m', [a.handle, b.handle]));
  const held = h.call('/models/m', { hold: true });
  await until(() => a.open + b.open === 1, 'the held call');
  const free = a.open === 1 ? 'm-1-1-bbbb' : 'm-1-1-aaaa';
  for (let i = 0; i < 5; i++) assert.is((await h.call('/models/m', { i })).body.ReplicaID, free);
  a.release();
  b.release();
  assert.is((await held).status, 200);
});

test('a timed-out replica is left out until listed again; restarts keep its counters', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [a.handle], { timeoutMs: 100, busyTimeoutMs: 50 }));
  assert.is((await h.call('/models/m', { hang: true })).status, 504);
  assert.equal(h.timeouts, ['m-1-1-aaaa']);
  assert.is((await h.call('/models/m', { a: 1 })).body.errorCode, 'model.unavailable');
  // the supervisor restarts the slot: same id, new process at a new origin
  const restarted = await peer(ctx, 'm-1-1-aaaa');
  h.gateway.countRestart('m-1-1-aaaa');
  h.gateway.setRoute(testRoute('m', [restarted.handle], { timeoutMs: 100, busyTimeoutMs: 50 }));
  const answer = await h.call('/models/m', { a: 1 });
  assert.is(answer.status, 200);
  assert.is(restarted.calls, 1);
  const stats = h.gateway.stats();
  assert.is(stats.length, 1);
  assert.equal(
    [stats[0].received, stats[0].processed, stats[0].success, stats[0].error, stats[0].restarts, stats[0].origin],
    [2, 2, 1, 1, 1, restarted.origin],
  );
});

test('counters add up over a mix of outcomes', async (ctx) => {
  const { h } = ctx;
  const a = await peer(ctx, 'm-1-1-aaaa');
  const b = await peer(ctx, 'm-1-1-bbbb');
  const route = testRoute('m', [a.handle, b.handle], { busyTimeoutMs: 30 });
  h.gateway.setRoute(route);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await h.call('/models/m', { i })).status);
  statuses.push((await h.call('/models/m', { raise: 'no' })).status);
  statuses.push((await h.call('/models/m', { garbage: true })).status);
  statuses.push((await h.call('/models/m', { destroy: true })).status);
  h.gateway.setRoute(route);
  const held = [h.call('/models/m', { hold: true }), h.call('/models/m', { hold: true })];
  await until(() => a.open + b.open === 2, 'both replicas held');
  statuses.push((await h.call('/models/m', { late: true })).status);
  a.release();
  b.release();
  for (const call of held) statuses.push((await call).status);
  const count = (status: number) => statuses.filter((s) => s === status).length;
  const stats = h.gateway.stats();
  const sum = (key: 'received' | 'processed' | 'success' | 'failure' | 'error' | 'busy' | 'notReady') =>
    stats.reduce((total, s) => total + s[key], 0);
  assert.is(sum('received'), statuses.length - count(429));
  assert.is(sum('processed'), sum('received'));
  assert.is(sum('processed'), sum('success') + sum('failure') + sum('error') + sum('notReady'));
  assert.is(sum('success'), count(200));
  assert.is(sum('failure'), count(500));
  assert.is(sum('error'), count(502));
  assert.is(sum('busy'), count(429));
  assert.equal([count(200), count(500), count(502), count(429)], [8, 1, 2, 1]);
  assert.ok(stats.every((s) => s.inFlight === 0 && s.model === 'm'));
});

test('healthz answers', async ({ h }) => {
  const answer = await h.call('/healthz', null, { method: 'GET' });
  assert.is(answer.status, 200);
  assert.equal(answer.body, { ok: true });
});

test.run();
