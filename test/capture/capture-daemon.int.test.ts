// Capture on a real daemon with a real Python replica: `capture` in models.yaml turns it on with
// the next apply, sampled calls come back from `slipway capture export` as JSONL with latency,
// build and deployment, redacted fields and the Authorization header never reach the SQLite file,
// and a bad `capture` is refused with its line and column.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = (capture: string) => `version: 1
project: capture
models:
  - name: scorer
    file: m/score.py
    function: predict
    auth: true
${capture}    replay: m/replay.jsonl
    example:
      input: {"x": 2, "card": "0000"}
      output: {"y": 4, "owner": "tests"}
`;

const model = `def predict(args):
    return {"y": args["x"] * 2, "owner": "tests" if args.get("card") == "0000" else "owner-" + str(args.get("card"))}
`;

test('sampled calls are exported with latency, build and deployment; redacted fields and keys are never stored', async () => {
  const p = await localProject({
    'models.yaml': modelsYaml(''),
    'm/score.py': model,
    'm/replay.jsonl': '{"request": {"x": 1, "card": "0000"}}\n',
  });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'capture-test');
    // Off by default: nothing is captured.
    assert.is((await p.call('scorer', { x: 1, card: '1111-before' }, apiKey)).status, 200);

    // With a code change, so the apply deploys build 2 and the calls after it are captured at once
    // (settings alone reach the daemon's recorder within seconds: capture-settings below).
    p.fx.write('models.yaml', modelsYaml('    capture: {sample: 1, maxPerDay: 3, redact: [/card, /owner]}\n'));
    p.fx.write('m/score.py', `${model}# build 2\n`);
    p.fx.git('commit', '-qam', 'capture scorer');
    await p.ok('apply', '--yes');
    for (let i = 1; i <= 4; i++) {
      const answer = await p.call('scorer', { x: i, card: `4111-secret-${i}` }, apiKey);
      assert.is(answer.status, 200);
      assert.equal(answer.body.response, { y: i * 2, owner: `owner-4111-secret-${i}` }, 'the client gets the whole answer');
    }
    const exported = async (): Promise<any[]> => (await p.ok('capture', 'export', 'scorer')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    // Captured calls are written in batches, about a second after the call.
    let lines: any[] = [];
    for (let tries = 0; tries < 100 && lines.length < 3; tries++) {
      lines = await exported();
      if (lines.length < 3) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.is(lines.length, 3, 'maxPerDay: 3 holds');
    const status = await p.status();
    const deployed = status.models.find((m) => m.model === 'scorer')!;
    for (const [i, line] of lines.entries()) {
      assert.equal(line.request, { x: i + 1 });
      assert.equal(line.response, { value: { y: (i + 1) * 2 } });
      assert.is(line.status, 200);
      assert.is(line.outcome, 'success');
      assert.is(line.deployment, deployed.deploymentId);
      assert.is(line.build, deployed.build);
      assert.type(line.latencyMs, 'number');
      assert.ok(Date.parse(line.at) > 0);
    }
    assert.is((await p.ok('capture', 'export', 'scorer', '--since', '1d')).trim().split('\n').length, 3);
    const since = await p.cli('capture', 'export', 'scorer', '--since', 'last week');
    assert.is(since.status, 1);
    assert.match(since.stderr, /--since "last week" is neither a duration/);

    // Settings alone (a plan with no changes): saved by the CLI, read by the daemon within seconds,
    // no redeploy: a raised cap lets two more calls in.
    p.fx.write('models.yaml', modelsYaml('    capture: {sample: 1, maxPerDay: 5, redact: [/card, /owner]}\n'));
    p.fx.git('commit', '-qam', 'capture more');
    assert.match(await p.ok('apply', '--yes'), /No changes/);
    for (let tries = 0; tries < 100 && lines.length < 5; tries++) {
      assert.is((await p.call('scorer', { x: 100 + tries, card: 'x' }, apiKey)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      lines = await exported();
    }
    assert.is(lines.length, 5);
    assert.is((await p.status()).models.find((m) => m.model === 'scorer')!.deploymentId, deployed.deploymentId, 'nothing was redeployed');

    await p.down();
    const state = path.join(p.root, '.slipway');
    const bytes = readdirSync(state).filter((f) => f.startsWith('state.db'))
      .map((f) => readFileSync(path.join(state, f)).toString('latin1')).join('');
    assert.ok(bytes.length > 0, 'the store file was found');
    assert.not.ok(bytes.includes('4111-secret'), 'a redacted field reached the store');
    assert.not.ok(bytes.includes('owner-4111'), 'a redacted answer field reached the store');
    assert.not.ok(bytes.includes(apiKey), 'the API key reached the store');
  } finally {
    await p.cleanup();
  }
});

test('a bad capture or replay is refused with its line and column', async () => {
  const p = await localProject({
    'models.yaml': modelsYaml('    capture: {sample: 2, redact: [card]}\n').replace('replay: m/replay.jsonl', 'replay: missing.jsonl'),
    'm/score.py': model,
  });
  try {
    const run = await p.cli('validate');
    assert.is(run.status, 1, run.stdout + run.stderr);
    const out = run.stdout + run.stderr;
    assert.match(out, /models\.yaml:8:23 models\[0\]\.capture\.sample: 2 is above the maximum 1/);
    assert.match(out, /models\.yaml:8:35 models\[0\]\.capture\.redact\[0\]: "card" is not a JSON pointer: start with "\/"/);
    assert.match(out, /models\.yaml:9:13 models\[0\]\.replay: "missing\.jsonl" does not exist/);
  } finally {
    await p.cleanup();
  }
});

test.run();
