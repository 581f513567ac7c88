// The pure part of variants: the list, the weighted pick, the mirror draw.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mirrors, pickServing, routeVariants } from '../../src/gateway/route-variants.ts';
import type { ModelRoute } from '../../src/gateway/types.ts';

const base: ModelRoute = {
  name: 'm', deploymentId: 1, build: 1, state: 'running', auth: false, concurrency: 1,
  timeoutMs: 1000, busyTimeoutMs: 1000, maxRequestBytes: 1000, replicas: [{ id: 'm-1', origin: 'http://127.0.0.1:1' }],
};

test('a route without variants is one primary taking every call', () => {
  const variants = routeVariants(base);
  assert.equal(variants, [{ role: 'primary', deploymentId: 1, build: 1, weight: 100, replicas: base.replicas }]);
});

test('canaries take their weight from the primary; shadows take none', () => {
  const variants = routeVariants({
    ...base,
    variants: [
      { role: 'canary', deploymentId: 2, build: 2, weight: 30, replicas: [] },
      { role: 'shadow', deploymentId: 3, build: 3, weight: 50, replicas: [] },
    ],
  });
  assert.equal(variants.map((v) => [v.role, v.deploymentId, v.weight]), [['primary', 1, 70], ['canary', 2, 30], ['shadow', 3, 50]]);
});

test('bad routes are refused with what is wrong', () => {
  const canary = (deploymentId: number, weight: number) => ({ role: 'canary' as const, deploymentId, build: 1, weight, replicas: [] });
  assert.throws(() => routeVariants({ ...base, variants: [canary(2, 101)] }), /weight 101; use 0 to 100/);
  assert.throws(() => routeVariants({ ...base, variants: [canary(2, Number.NaN)] }), /weight NaN/);
  assert.throws(() => routeVariants({ ...base, variants: [canary(1, 10)] }), /deployment 1 is listed twice/);
  assert.throws(() => routeVariants({ ...base, variants: [canary(2, 60), canary(3, 50)] }), /110 % of calls/);
});

test('pickServing splits draws by weight, the primary taking the rest', () => {
  const serving = [{ name: 'primary', weight: 70 }, { name: 'a', weight: 20 }, { name: 'b', weight: 10 }];
  const pick = (draw: number) => pickServing(serving, (v) => v.weight, draw).name;
  assert.is(pick(0), 'a');
  assert.is(pick(0.1999), 'a');
  assert.is(pick(0.2), 'b');
  assert.is(pick(0.2999), 'b');
  assert.is(pick(0.3), 'primary');
  assert.is(pick(0.9999), 'primary');
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) counts.set(pick(i / 1000), (counts.get(pick(i / 1000)) ?? 0) + 1);
  assert.equal(Object.fromEntries(counts), { a: 200, b: 100, primary: 700 });
});

test('mirrors draws below the weight', () => {
  assert.ok(mirrors(100, 0.9999));
  assert.not.ok(mirrors(0, 0));
  assert.ok(mirrors(25, 0.2499));
  assert.not.ok(mirrors(25, 0.25));
});

test.run();
