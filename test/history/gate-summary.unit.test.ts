// What a deployment's examples gate found, as `slipway history` and `slipway deployments` (local
// and --target) show it: pure functions over plain results, and the cluster record's annotation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gateFailures, gateSummary, gateText, parseGateResults } from '../../src/history/gate-summary.ts';
import { describeEntry } from '../../src/history/history-command.ts';
import { timeline, type HistoryRecord } from '../../src/history/timeline.ts';
import { clusterDeploymentsText } from '../../src/target/cluster-deployments-text.ts';
import type { ClusterHistoryEntry } from '../../src/backends/kubernetes/cluster-status.ts';

const passed = gateSummary([{ index: 0, pass: true, detail: null }, { index: 1, pass: true, detail: null }]);
const failed = gateSummary([{ index: 0, pass: true, detail: null }, { index: 1, pass: false, detail: '$.y: expected 4, got 6' }, { index: 2, pass: false, detail: null }]);

test('a column: passed, failed with the examples numbered from 1, not gated, nothing to gate', () => {
  assert.is(gateText(passed), 'examples 2/2 passed');
  assert.is(gateText(failed), 'examples 1/3 passed, failed 2, 3');
  assert.is(gateText(null), 'not gated');
  assert.is(gateText(gateSummary([])), 'no examples to gate');
  assert.is(gateFailures(passed), '');
  assert.is(gateFailures(failed), '    example 2 failed before it took traffic: $.y: expected 4, got 6\n    example 3 failed before it took traffic: no detail\n');
});

test('the cluster annotation is read back; anything else is "not known", never a crash', () => {
  const annotation = JSON.stringify([{ index: 0, pass: true, detail: null, latencyMs: 3 }, { index: 1, pass: false, detail: 'boom', latencyMs: 9 }]);
  assert.equal(parseGateResults(annotation), { passed: false, results: [{ index: 0, pass: true, detail: null }, { index: 1, pass: false, detail: 'boom' }] });
  for (const bad of [undefined, null, '', 'not json', '{}', '[{"index": "0", "pass": true}]']) assert.is(parseGateResults(bad), null, String(bad));
});

test('history lines and --json carry the gate', () => {
  const record: HistoryRecord = {
    model: 'iris', deploymentId: 7, build: 2, buildKey: 'k', commit: 'c0ffee00aa', actor: 'user:alice', state: 'running', status: 'failed',
    serving: { replicas: 1, env: [] }, reason: 'rebuild', startedAt: '2026-12-01T07:00:00.000Z', stoppedAt: null, gate: failed,
  };
  const [entry] = timeline([record]);
  assert.equal(JSON.parse(JSON.stringify(entry)).gate, failed);
  assert.is(describeEntry(entry), 'iris  #7  build #2  commit c0ffee00  never served (failed)  by user:alice  examples 1/3 passed, failed 2, 3  rebuild\n');
});

test('slipway deployments --target: a line per record with its gate, and why each failing example failed', () => {
  const entry = (id: number, gate: ClusterHistoryEntry['gate'], outcome: ClusterHistoryEntry['outcome']): ClusterHistoryEntry => ({
    id, build: id, action: 'rebuild', state: 'running', replicas: 2, outcome, gitCommit: null, actor: 'ci:o/r#1', reasons: [], createdAt: '2026-12-01T07:00:00.000Z', gate,
  });
  const text = clusterDeploymentsText('iris', 'models', [entry(1, passed, 'applied'), entry(2, failed, 'failed'), entry(3, null, 'applied')]);
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[0], /^#1 +build #1 +applied .* ci:o\/r#1 {2}examples 2\/2 passed$/);
  assert.match(lines[1], /^#2 +build #2 +failed .* examples 1\/3 passed, failed 2, 3$/);
  assert.is(lines[2], '    example 2 failed before it took traffic: $.y: expected 4, got 6');
  assert.match(lines[4], /not gated$/);
  assert.is(clusterDeploymentsText('iris', 'models', []), 'iris has no deployments in namespace models\n');
});

test.run();
