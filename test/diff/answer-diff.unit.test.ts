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
  assert.equal(report.latencyMs, { candidate: { p50: 2, p95: 2, p99: 2 }, baseline: { p50: 1, p95: 1, p99: 1 } });
  assert.equal(report.shapeChanges, [{ kind: 'added', pointer: '/extra', baseline: null, candidate: 'boolean', calls: 1, source: 'c' }]);
});

test('latency percentiles by nearest rank', () => {
  const ms = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(latency(ms), { p50: 50, p95: 95, p99: 99 });
  assert.equal(latency([]), { p50: 0, p95: 0, p99: 0 });
});

test('shape changes: keys added and removed, types changed, array items once, counted per call', () => {
  const report = diffAnswers([
    pair('a', ok({ y: 1, old: 'x', items: [{ p: 1 }, { p: 2 }] }), ok({ y: '1', items: [{ p: 1, q: null }, { p: 2, q: null }] })),
    pair('b', ok({ y: 2, old: 'z', items: [] }), ok({ y: '2', items: [] })),
    pair('c', ok([1]), ok({ v: [1] })),
    pair('d', ok({ y: 1 }), ok({ y: 1.5 })),
    pair('e', { ok: false, status: 500, message: 'no' }, ok({ brand: 'new' })),
  ], 0);
  assert.equal(report.shapeChanges.map((c) => [c.kind, c.pointer, c.baseline, c.candidate, c.calls, c.source]), [
    ['type', '/y', 'number', 'string', 2, 'a'],
    ['removed', '/old', 'string', null, 2, 'a'],
    ['added', '/items/*/q', null, 'null', 1, 'a'],
    ['type', '', 'array', 'object', 1, 'c'],
  ]);
});

test.run();
