import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffAnswers, latency, type PairedCall } from '../../src/diff/answer-diff.ts';

const ok = (response: unknown) => ({ ok: true as const, response });
const pair = (source: string, baseline: PairedCall['baseline'], candidate: PairedCall['candidate'], ms = 1): PairedCall =>
  ({ source, input: { source }, baseline, candidate, baselineMs: ms, candidateMs: ms * 2 });

test('changed answers, deltas beyond the tolerance, new errors', () => {
  const report = diffAnswers([
    pair('a', ok({ y: 1, z: [1, 2] }), ok({ y: 1.0000001, z: [1, 2] })),
    pair('b', ok({ y: 1, z: [1, 2] }), ok({ y: 1.5, z: [1, 2.25] })),
    pair('c', ok({ y: 1 }), ok({ y: 1, extra: true })),
    pair('d', ok({ y: 1 }), { ok: false, status: 500, message: 'ValueError: no' }),
    pair('e', ok('same'), ok('same')),
  ], 1e-3);
  assert.is(report.calls, 5);
  assert.is(report.changed, 3);
  assert.is(report.newErrors, 1);
  assert.equal(report.largestDeltas.map((d) => [d.source, d.pointer, d.delta]), [['b', '/y', 0.5], ['b', '/z/1', 0.25]]);
  assert.equal(report.examples.map((e) => e.source), ['b', 'c', 'd']);
  assert.equal(report.latencyMs, { candidate: { p50: 2, p95: 2 }, baseline: { p50: 1, p95: 1 } });
});

test('latency percentiles by nearest rank', () => {
  const ms = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(latency(ms), { p50: 50, p95: 95 });
  assert.equal(latency([]), { p50: 0, p95: 0 });
});

test.run();
