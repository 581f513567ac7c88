// `slipway diff` end to end: a deployed model on a real daemon, a changed model file, the
// candidate and the deployed build in real Python replicas, called on the examples and a replay
// set of 20 inputs where exactly 3 answers change (one of them numerically, one raising).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: diff
models:
  - name: scorer
    file: m/score.py
    function: predict
    auth: false
    replay: m/replay.jsonl
    example:
      input: {"x": 2}
      output: {"y": 4}
`;

const v1 = `def predict(args):
    return {"y": args["x"] * 2}
`;
// Differs on x = 7 (by 0.5), x = 13 (a key added), x = 17 (raises); the same everywhere else.
const v2 = `def predict(args):
    x = args["x"]
    if x == 17:
        raise ValueError("seventeen")
    if x == 13:
        return {"y": x * 2, "note": "new"}
    return {"y": x * 2 + (0.5 if x == 7 else 0)}
`;

test('diff reports exactly the changed answers, the numeric delta, the new error and both latencies', async () => {
  const replay = Array.from({ length: 20 }, (_, i) => JSON.stringify({ request: { x: i } })).join('\n');
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/score.py': v1, 'm/replay.jsonl': `${replay}\n` });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    p.fx.write('m/score.py', v2);
    const report = await p.json('diff', 'scorer', '--json');
    assert.is(report.candidate, 2);
    assert.is(report.baseline, 1);
    assert.is(report.calls, 21);
    assert.is(report.changed, 3);
    assert.is(report.newErrors, 1);
    assert.equal(report.shapeChanges.map((c: any) => [c.kind, c.pointer, c.candidate, c.calls]), [['added', '/note', 'string', 1]]);
    assert.equal(report.largestDeltas.map((d: any) => [d.pointer, d.baseline, d.candidate]), [['/y', 14, 14.5]]);
    assert.equal(report.examples.map((e: any) => e.source).sort(), ['m/replay.jsonl:14', 'm/replay.jsonl:18', 'm/replay.jsonl:8']);
    for (const side of ['candidate', 'baseline']) assert.ok(report.latencyMs[side].p95 >= report.latencyMs[side].p50 && report.latencyMs[side].p50 > 0);
    const text = await p.ok('diff', 'scorer', '--sample', '5');
    assert.match(text, /^scorer: build #2 against build #1 \(deployed\) on 5 inputs: 0 answers changed/m);
    const bad = await p.cli('diff', 'scorer', '--against', 'yesterday');
    assert.is(bad.status, 1);
    assert.match(bad.stderr, /--against "yesterday": use deployed or build:N/);
  } finally {
    await p.cleanup();
  }
});

test.run();
