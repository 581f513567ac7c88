// The answer diff on a pull request, end to end: main's model deployed by a real daemon, a branch
// that changes it, the CI step run as the Action runs it against the fake GitHub. The candidate and
// the deployed build are real Python replicas called on the example and a 100-line replay set.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { prPayload, runSlipwayCi, steadyLatency, TOKEN, type StepRun } from './ci-harness.ts';

const modelsYaml = (policy: string) => `version: 1
project: prdiff
models:
  - name: scorer
    file: m/score.py
    function: predict
    auth: false
    replay: m/replay.jsonl
    capture: {sample: 0, redact: [/token]}
${policy}    example:
      input: {"x": 2, "token": "t-ex"}
      output: {"y": 4}
`;

const v1 = 'def predict(args):\n    return {"y": args["x"] * 2}\n';
// Differs on x = 7 (by 0.5), x = 13 (a key added), x = 17 (raises); the same everywhere else.
const v2 = `def predict(args):
    x = args["x"]
    if x == 17:
        raise ValueError("seventeen")
    if x == 13:
        return {"y": x * 2, "note": "new"}
    return {"y": x * 2 + (0.5 if x == 7 else 0)}
`;
// The same answers as v1, 5 ms later.
const slow = 'import time\n\ndef predict(args):\n    time.sleep(0.005)\n    return {"y": args["x"] * 2}\n';
const replay = Array.from({ length: 100 }, (_, i) => JSON.stringify({ request: { x: i, token: `secret-${i}` } })).join('\n');

const test = suite('pull request diff');
let p: LocalProject;
let gh: FakeGitHub;

const ci = (sha: string, name: 'pull_request.opened' | 'pull_request.synchronize'): Promise<StepRun> =>
  runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload(name, sha) } });
const body = (): string => steadyLatency([...gh.comments.values()][0].body);
const section = (text: string): string => text.slice(text.indexOf('**Answer diff**'), text.indexOf('</details>', text.indexOf('**Answer diff**')) + '</details>'.length);

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml(''), 'm/score.py': v1, 'm/replay.jsonl': `${replay}\n` });
  await p.ok('apply', '--yes', '--port', String(p.port));
  p.fx.git('checkout', '-q', '-b', 'change');
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('3 of 101 answers change: the comment reports exactly those, redacted, and maxChanged turns the check red', async () => {
  p.fx.write('m/score.py', v2);
  p.fx.write('models.yaml', modelsYaml('    diff: {maxChanged: 0.02}\n'));
  const run = await ci(p.fx.commitAll('v2'), 'pull_request.opened');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stdout, '::error::failed: scorer (see the job summary)');
  const text = body();
  assert.match(text, '### ❌ scorer: rebuild');
  assert.is(section(text), [
    "**Answer diff** ❌ build #2 against the deployed build #1: p95 R× the deployed build's (N ms against N ms) · 3 of 101 answers changed (3.0 %) · 1 new error · 1 shape change.",
    '',
    '- ❌ 3.0 % of answers changed, over diff.maxChanged 2.0 %',
    '',
    '<details><summary>Diff details</summary>',
    '',
    '101 inputs · 3 answers changed · 1 new errors · 1 shape changes · tolerance 1e-9',
    '',
    '| Latency | p50 | p95 | p99 |',
    '|---|---:|---:|---:|',
    '| candidate #2 | N ms | N ms | N ms |',
    '| deployed #1 | N ms | N ms | N ms |',
    '| ratio | R× | R× | R× |',
    '',
    '**Largest numeric deltas**',
    '',
    '| Input | Where | Deployed | Candidate | Δ |',
    '|---|---|---:|---:|---:|',
    '| m/replay.jsonl:8 | <code>&quot;/y&quot;</code> | 14 | 14.5 | 0.5 |',
    '',
    '**Shape changes**',
    '',
    '- key /note added (string): 1 call, first m/replay.jsonl:14',
    '',
    '**Changed answers**',
    '',
    '| Input | Source | Deployed | Candidate |',
    '|---|---|---|---|',
    '| <code>{&quot;x&quot;:7}</code> | m/replay.jsonl:8 | <code>{&quot;y&quot;:14}</code> | <code>{&quot;y&quot;:14.5}</code> |',
    '| <code>{&quot;x&quot;:13}</code> | m/replay.jsonl:14 | <code>{&quot;y&quot;:26}</code> | <code>{&quot;y&quot;:26,&quot;note&quot;:&quot;new&quot;}</code> |',
    '| <code>{&quot;x&quot;:17}</code> | m/replay.jsonl:18 | <code>{&quot;y&quot;:34}</code> | <code>{&quot;error&quot;:&quot;ValueError: seventeen&quot;,&quot;status&quot;:500}</code> |',
    '',
    '</details>',
  ].join('\n'));
  assert.not.match(text, 'secret-');
});

test('a looser maxChanged holds: the same diff, a green check', async () => {
  p.fx.write('models.yaml', modelsYaml('    diff: {maxChanged: 0.05}\n'));
  const run = await ci(p.fx.commitAll('looser policy'), 'pull_request.synchronize');
  assert.is(run.status, 0, run.stderr);
  assert.match(body(), "**Answer diff** ✅ build #2 against the deployed build #1: p95 R× the deployed build's (N ms against N ms) · 3 of 101 answers changed (3.0 %) · 1 new error · 1 shape change.");
});

test('a candidate 5 ms slower: the ratio says so and maxSlowdown turns the check red', async () => {
  p.fx.write('m/score.py', slow);
  p.fx.write('models.yaml', modelsYaml('    latencyBudget: {maxSlowdown: 1.2, p95: 10s}\n'));
  const run = await ci(p.fx.commitAll('slower'), 'pull_request.synchronize');
  const raw = [...gh.comments.values()][0].body;
  assert.is(run.status, 1, raw);
  const ratio = Number(/p95 (\d+\.\d\d)× the deployed build's/.exec(raw)?.[1]);
  assert.ok(ratio > 1.2, raw);
  assert.match(raw, /- ❌ p95 \d+\.\d\d× the deployed build's, over latencyBudget\.maxSlowdown 1\.20×/);
  assert.match(raw, '0 of 101 answers changed (0.0 %)');
  assert.not.match(raw, 'over latencyBudget.p95');
});

test.run();
