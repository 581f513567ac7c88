// `slipway apply` runs the changed model's examples as test calls through the daemon it starts:
// exit 0 when each output is within its tolerance, non-zero (and FAIL with the difference) when not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: examples
models:
  - name: doubler
    file: m/double.py
    function: predict
    auth: false
    examples:
      - input: {"x": 2}
        output: {"y": 4}
        tolerance: 0.001
      - input: {"x": 0}
        output: {"y": 0}
        tolerance: 0.001
`;

/** The model answers 2x plus `offset`, so a test picks how far off it is. */
const model = (offset: string) => `def predict(args):
    return {"y": args["x"] * 2 + ${offset}}
`;

test('apply exits 0 within tolerance and non-zero beyond it, saying which example and by how much', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': model('0.0004') });
  try {
    const first = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stderr, `started the Slipway daemon at ${p.url}`);
    assert.match(first.stdout, /example 1: pass .*→ \{"y":4\.0004\}/);
    assert.match(first.stdout, 'example 2: pass');
    assert.match(first.stdout, 'Apply complete.');

    p.fx.write('m/double.py', model('0.01'));
    p.fx.commitAll('off by 0.01');
    const beyond = await p.cli('apply', '--yes');
    assert.is(beyond.status, 1, beyond.stdout + beyond.stderr);
    assert.match(beyond.stdout, /✗ doubler: rebuild build #2/);
    assert.match(beyond.stdout, /example 1: FAIL .*\$\.y: expected 4, got 4\.01: off by 0\.01 \(tolerance 0\.001\)/);
    assert.match(beyond.stdout, /example 2: FAIL .*expected 0, got 0\.01/);
    assert.match(beyond.stdout, 'Apply finished with failures.');

    p.fx.write('m/double.py', model('0.0009'));
    p.fx.commitAll('off by 0.0009');
    const within = await p.cli('apply', '--yes');
    assert.is(within.status, 0, within.stdout + within.stderr);
    assert.match(within.stdout, /✓ doubler: rebuild build #3/);
    assert.match(within.stdout, 'example 1: pass');
    assert.match(within.stdout, 'example 2: pass');
  } finally {
    await p.cleanup();
  }
});

test('a failed build: apply exits 1 with the log tail, and the running deployment keeps serving', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': model('0') });
  try {
    await p.ok('apply', '--yes', '--port', String(p.port));
    p.fx.write('m/build.sh', '#!/bin/sh\necho "cannot fetch the weights" >&2\nexit 2\n');
    p.fx.commitAll('a build script that fails');
    const failed = await p.cli('apply', '--yes');
    assert.is(failed.status, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, '✗ doubler: rebuild build #2: build #2 failed: build script build.sh exited with 2');
    assert.match(failed.stdout, /\| .*cannot fetch the weights/);
    const builds = await p.json<Array<{ number: number; status: string }>>('builds', 'doubler', '--json');
    assert.equal(builds.map((b) => [b.number, b.status]), [[1, 'succeeded'], [2, 'failed']]);
    const answer = await p.call('doubler', { x: 5 });
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.response, { y: 10 });
    assert.match(answer.body.ReplicaID, /^doubler-1-1-/);
  } finally {
    await p.cleanup();
  }
});

test.run();
