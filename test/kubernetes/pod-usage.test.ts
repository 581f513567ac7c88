// Pod CPU and memory from the metrics API's quantities (plain values; the cluster-gateway store
// test reads them through the fake API server).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCpu, parseMemory, usageByPod } from '../../src/backends/kubernetes/pod-usage.ts';

test('CPU quantities in cores: nano, micro, milli and whole cores; anything else is null', () => {
  assert.equal(['2', '250m', '1500000n', '300u', '0.5', '12x', '', undefined].map(parseCpu), [2, 0.25, 0.0015, 0.0003, 0.5, null, null, null]);
});

test('memory quantities in bytes: binary and decimal suffixes; anything else is null', () => {
  assert.equal(['1048576', '64Mi', '2Gi', '1500k', '3M', '1Ki', 'lots'].map(parseMemory), [1048576, 64 * 1024 ** 2, 2 * 1024 ** 3, 1_500_000, 3_000_000, 1024, null]);
});

test("a pod's containers are summed; a pod without usable figures has nulls", () => {
  const usage = usageByPod([
    { metadata: { name: 'a' }, containers: [{ name: 'x', usage: { cpu: '100m', memory: '10Mi' } }, { name: 'y', usage: { cpu: '100m', memory: '1Mi' } }] },
    { metadata: { name: 'b' }, containers: [] },
  ] as never);
  assert.equal(usage.get('a'), { cpu: 0.2, rss: 11 * 1024 ** 2 });
  assert.equal(usage.get('b'), { cpu: null, rss: null });
});

test.run();
