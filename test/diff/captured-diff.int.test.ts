// Captured traffic as the input of an answer diff, end to end on a real daemon: a model with
// `capture: {sample: 1}` answers 50 real calls through the gateway, which are captured (redacted);
// a commit changes the model so that exactly 3 of those inputs get another answer. `slipway diff`
// and the pull-request flow (against the fake GitHub) both count exactly those 3 among the 50
// captured inputs plus the example, and the redacted field appears nowhere in their reports.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';
import { prPayload, runSlipwayCi, TOKEN } from '../ci/ci-harness.ts';

const modelsYaml = `version: 1
project: captured-diff
models:
  - name: scorer
    file: m/score.py
    function: predict
    auth: false
    capture: {sample: 1, redact: [/token]}
    example:
      input: {"x": 1000, "token": "t-example"}
      output: {"y": 2000}
`;

const v1 = 'def predict(args):\n    return {"y": args["x"] * 2}\n';
// Differs on x = 7, 23 and 41 only; the token is never part of the answer.
const v2 = 'def predict(args):\n    x = args["x"]\n    return {"y": x * 2 + (1 if x in (7, 23, 41) else 0)}\n';
const CHANGED = [7, 23, 41];

const test = suite('captured traffic as diff input');
let p: LocalProject;
let gh: FakeGitHub;

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml, 'm/score.py': v1 });
  await p.ok('apply', '--yes', '--port', String(p.port));
  for (let x = 0; x < 50; x++) {
    const answer = await p.call('scorer', { x, token: `secret-token-${x}` });
    assert.is(answer.status, 200);
  }
  // Captured calls are written in batches, about a second after the call.
  await eventually('50 captured calls', async () => {
    const lines = (await p.ok('capture', 'export', 'scorer')).split('\n').filter((l) => l !== '');
    return lines.length === 50 ? lines : undefined;
  });
  p.fx.git('checkout', '-q', '-b', 'change');
  p.fx.write('m/score.py', v2);
  p.fx.commitAll('v2 changes three answers');
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('`slipway diff` counts exactly the captured inputs whose answers change; the redacted field is not in its examples', async () => {
  const out = await p.ok('diff', 'scorer', '--json');
  const report = JSON.parse(out) as { calls: number; changed: number; newErrors: number; examples: Array<{ source: string; input: Record<string, unknown> }> };
  assert.equal([report.calls, report.changed, report.newErrors], [51, 3, 0]);
  assert.equal(report.examples.map((e) => e.input), CHANGED.map((x) => ({ x })));
  for (const e of report.examples) assert.match(e.source, /^captured \d{4}-/);
  assert.not.match(out, 'secret-token');
  assert.not.match(out, '"token"');
});

test('the pull-request flow reports the same 3 of 51 from captured traffic, without the redacted field', async () => {
  const run = await runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.opened', p.fx.git('rev-parse', 'HEAD')) } });
  assert.is(run.status, 0, run.stderr);
  const body = [...gh.comments.values()][0]!.body;
  assert.match(body, /\*\*Answer diff\*\* ✅ build #2 against the deployed build #1: .* 3 of 51 answers changed \(5\.9 %\)/);
  for (const x of CHANGED) assert.match(body, `<code>{&quot;x&quot;:${x}}</code> | captured `);
  assert.not.match(body, 'secret-token');
  // The declared example (models.yaml, public) is shown with its token in the test calls; the
  // diff's section shows captured inputs only, without it.
  const start = body.indexOf('**Answer diff**');
  const section = body.slice(start, body.indexOf('</details>', start));
  assert.match(section, '**Changed answers**');
  assert.not.match(section, 'token');
});

test.run();
