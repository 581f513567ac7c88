// GET /metrics: Prometheus' text format with the replica counters, in-flight and queued calls,
// ready replicas and a latency histogram per model, read from a real gateway after real calls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGatewayMetrics } from '../../src/gateway/prometheus.ts';
import { type Harness, startGateway, testRoute, until } from './gateway-harness.ts';
import { type ReplicaPeer, startReplicaPeer } from './replica-peer.ts';

type Context = { h: Harness; peers: ReplicaPeer[] };
const test = suite<Context>('prometheus exposition');

test.before.each(async (ctx) => {
  ctx.h = await startGateway({ metrics: createGatewayMetrics() });
  ctx.peers = [];
});
test.after.each(async (ctx) => {
  await ctx.h.close();
  for (const peer of ctx.peers) await peer.close();
});

/** Samples of the exposition: `name{labels}` → value (labels as written, in order). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(h: Harness): Promise<{ text: string; values: Map<string, number> }> {
  const answer = await h.call('/metrics', undefined, { method: 'GET' });
  assert.is(answer.status, 200);
  assert.match(String(answer.headers['content-type']), 'text/plain; version=0.0.4');
  return { text: answer.body as string, values: samples(answer.body as string) };
}

test('counters per replica and outcome, ready replicas, and the latency of calls the function ran', async (ctx) => {
  const { h } = ctx;
  const a = await startReplicaPeer('m-1-1-aaaa');
  const b = await startReplicaPeer('m-1-1-bbbb');
  ctx.peers.push(a, b);
  h.gateway.setRoute(testRoute('m', [a.handle, b.handle]));
  for (let i = 0; i < 4; i++) assert.is((await h.call('/models/m', { i })).status, 200);
  assert.is((await h.call('/models/m', { raise: 'no' })).status, 500);

  const { text, values } = await scrape(h);
  const sum = (outcome: string) =>
    ['aaaa', 'bbbb'].reduce((total, r) => total + (values.get(`slipway_replica_calls_total{model="m",replica="m-1-1-${r}",outcome="${outcome}"}`) ?? NaN), 0);
  assert.is(sum('success'), 4);
  assert.is(sum('failure'), 1);
  assert.is(sum('error'), 0);
  assert.is(
    values.get('slipway_replica_calls_received_total{model="m",replica="m-1-1-aaaa"}')! + values.get('slipway_replica_calls_received_total{model="m",replica="m-1-1-bbbb"}')!,
    5,
  );
  assert.is(values.get('slipway_model_ready_replicas{model="m"}'), 2);
  assert.is(values.get('slipway_model_queued_calls{model="m"}'), 0);
  assert.is(values.get('slipway_call_duration_seconds_count{model="m"}'), 5, 'the raised call ran the function too');
  assert.is(values.get('slipway_call_duration_seconds_bucket{le="+Inf",model="m"}'), 5);
  assert.ok(values.get('slipway_call_duration_seconds_sum{model="m"}')! > 0);
  assert.match(text, '# TYPE slipway_replica_calls_total counter');
  assert.match(text, '# TYPE slipway_call_duration_seconds histogram');
  assert.match(text, 'nodejs_eventloop_lag_seconds', "the process's own metrics too");
});

test('a call in flight, one queued, and a 429 are visible; refused calls are not timed', async (ctx) => {
  const { h } = ctx;
  const a = await startReplicaPeer('slow-1-1-aaaa');
  ctx.peers.push(a);
  h.gateway.setRoute(testRoute('slow', [a.handle], { busyTimeoutMs: 30_000 }));
  const held = h.call('/models/slow', { hold: true });
  await a.whenOpen(1);
  const queued = h.call('/models/slow', { i: 1 });
  await until(() => h.gateway.queued('slow') === 1, 'a queued call');
  const during = (await scrape(h)).values;
  assert.is(during.get('slipway_replica_in_flight{model="slow",replica="slow-1-1-aaaa"}'), 1);
  assert.is(during.get('slipway_model_queued_calls{model="slow"}'), 1);

  h.gateway.setRoute(testRoute('slow', [a.handle], { busyTimeoutMs: 20 }));
  a.release();
  assert.is((await held).status, 200);
  assert.is((await queued).status, 200);
  const blocker = h.call('/models/slow', { hold: true });
  await a.whenOpen(1);
  assert.is((await h.call('/models/slow', { i: 2 })).status, 429);
  a.release();
  await blocker;
  const after = (await scrape(h)).values;
  assert.is(after.get('slipway_replica_busy_total{model="slow",replica="slow-1-1-aaaa"}'), 1);
  assert.is(after.get('slipway_call_duration_seconds_count{model="slow"}'), 3, 'the 429 was not timed');
  assert.is(after.get('slipway_replica_in_flight{model="slow",replica="slow-1-1-aaaa"}'), 0);
});

test('only GET and HEAD', async (ctx) => {
  assert.is((await ctx.h.call('/metrics', {}, { method: 'POST' })).status, 405);
  const head = await ctx.h.call('/metrics', undefined, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.body, '');
});

test.run();
