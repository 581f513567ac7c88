import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiffReport } from '../../src/diff/answer-diff.ts';
import { judgeDiff } from '../../src/diff/diff-policy.ts';

const report = (changed: number, calls: number, candP95: number, baseP95: number): DiffReport => ({
  calls, changed, newErrors: 0, largestDeltas: [], shapeChanges: [], examples: [], tolerance: 0,
  latencyMs: { candidate: { p50: candP95, p95: candP95, p99: candP95 }, baseline: { p50: baseP95, p95: baseP95, p99: baseP95 } },
});

test('no policy: green, the ratio leads the verdict', () => {
  const j = judgeDiff(report(3, 100, 6, 4), {});
  assert.ok(j.ok);
  assert.is(j.ratio, 1.5);
  assert.is(j.verdict, "p95 1.50× the deployed build's (6.00 ms against 4.00 ms) · 3 of 100 answers changed (3.0 %)");
});

test('maxChanged: over is red, at the limit is green', () => {
  assert.ok(judgeDiff(report(5, 100, 1, 1), { maxChanged: 0.05 }).ok);
  const j = judgeDiff(report(6, 100, 1, 1), { maxChanged: 0.05 });
  assert.not.ok(j.ok);
  assert.equal(j.breaches, ['6.0 % of answers changed, over diff.maxChanged 5.0 %']);
});

test('maxSlowdown and the p95 budget each turn it red', () => {
  assert.equal(judgeDiff(report(0, 10, 3, 2), { maxSlowdown: 1.2 }).breaches, ["p95 1.50× the deployed build's, over latencyBudget.maxSlowdown 1.20×"]);
  assert.equal(judgeDiff(report(0, 10, 60, 59), { p95Ms: 50, maxSlowdown: 1.2 }).breaches, ['p95 60.00 ms, over latencyBudget.p95 50.00 ms']);
  assert.ok(judgeDiff(report(0, 10, 2, 2), { p95Ms: 50, maxSlowdown: 1.2 }).ok);
});

test('nothing measured: no ratio, no slowdown breach', () => {
  const j = judgeDiff(report(0, 0, 0, 0), { maxSlowdown: 1.2 });
  assert.is(j.ratio, null);
  assert.ok(j.ok);
});

test.run();
