// `slipway diff` leaves out the fields a model's `capture.redact` names, as the pull-request
// comment does: a replay set whose inputs carry a token (a repository file, never stored, so never
// redacted on the way in), and a model that echoes the token and a per-call secret number in its
// answer, which the changed version moves. Neither the text nor the JSON report shows any of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: diff-redaction
models:
  - name: scorer
    file: m/score.py
    function: predict
    auth: false
    replay: m/replay.jsonl
    capture: {sample: 0, redact: [/token, /pin]}
    example:
      input: {"x": 2}
      output: {"y": 4, "token": null, "pin": 1002}
`;

const v1 = 'def predict(args):\n    return {"y": args["x"] * 2, "token": args.get("token"), "pin": 1000 + args["x"]}\n';
// Every replay answer changes: y by one, the echoed token gains a suffix, the pin moves.
const v2 = 'def predict(args):\n    t = args.get("token")\n    return {"y": args["x"] * 2 + 1, "token": t and t + "-v2", "pin": 5000 + args["x"]}\n';

test('the redacted fields are in neither the text nor the JSON output of `slipway diff`', async () => {
  const replay = [1, 2, 3].map((x) => JSON.stringify({ request: { x, token: `secret-token-${x}` } })).join('\n');
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/score.py': v1, 'm/replay.jsonl': `${replay}\n` });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    p.fx.write('m/score.py', v2);
    const json = await p.ok('diff', 'scorer', '--json');
    const report = JSON.parse(json) as { changed: number; examples: Array<{ input: unknown; baseline: unknown; candidate: unknown }>; largestDeltas: Array<{ pointer: string }> };
    assert.is(report.changed, 4, 'the example and the three replay inputs changed');
    assert.equal(report.examples[1], { source: 'm/replay.jsonl:1', input: { x: 1 }, baseline: { y: 2 }, candidate: { y: 3 } });
    assert.equal([...new Set(report.largestDeltas.map((d) => d.pointer))], ['/y'], 'the moved pin is not listed as a delta');
    const text = await p.ok('diff', 'scorer');
    assert.match(text, /4 answers changed/);
    for (const out of [json, text]) {
      assert.not.match(out, 'secret-token');
      assert.not.match(out, 'token');
      assert.not.match(out, /\b[15]00[0-3]\b/, 'no pin value');
    }
  } finally {
    await p.cleanup();
  }
});

test.run();
