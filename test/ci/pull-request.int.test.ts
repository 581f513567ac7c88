// The pull-request flow on a real repository, with the daemon serving main's models: plan against
// it, build the changed models, call their examples in throwaway replicas (nothing deployed), one
// sticky comment created and then edited on every push; a failing example fails the check.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { prPayload, runSlipwayCi, steadyLatency, TOKEN, type StepRun } from './ci-harness.ts';

const modelsYaml = (mulOutput: number) => `version: 1
project: ci
models:
  - name: add-numbers
    file: add/add_numbers.py
    function: add
    auth: false
    example:
      input: {"a": 3, "b": 5}
      output: 8
  - name: mul
    file: mul/mul.py
    function: mul
    example:
      input: {"a": 3, "b": 5}
      output: ${mulOutput}
`;

const mainYaml = `version: 1
project: ci
models:
  - name: add-numbers
    file: add/add_numbers.py
    function: add
    auth: false
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;

const addV1 = 'def add(args):\n    return args["a"] + args["b"]\n';
const addV2 = '# v2: same sum, new code\ndef add(args):\n    return args["a"] + args["b"]\n';
const addV3 = '# v3: same sum, newer code\ndef add(args):\n    return args["a"] + args["b"]\n';
const mul = 'def mul(args):\n    return args["a"] * args["b"]\n';

const test = suite('pull request');
let p: LocalProject;
let gh: FakeGitHub;
let commentId: number;

const ci = (sha: string, name: 'pull_request.opened' | 'pull_request.synchronize'): Promise<StepRun> =>
  runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload(name, sha) } });

const keysOf = (run: StepRun): Record<string, string> =>
  Object.fromEntries((JSON.parse(run.outputs.plan) as { changes: Array<{ model: string; build: { key: string } }> }).changes.map((c) => [c.model, c.build.key]));

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': mainYaml, 'add/add_numbers.py': addV1 });
  // main is deployed: the daemon serves add-numbers build #1.
  await p.ok('apply', '--yes', '--port', String(p.port));
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('a PR changing a model and adding one: the comment holds the plan, the builds and the test calls', async () => {
  p.fx.git('checkout', '-q', '-b', 'double');
  p.fx.write('add/add_numbers.py', addV2);
  p.fx.write('mul/mul.py', mul);
  p.fx.write('models.yaml', modelsYaml(15));
  const sha = p.fx.commitAll('change add-numbers, add mul');
  const run = await ci(sha, 'pull_request.opened');
  assert.is(run.status, 0, run.stderr);

  const keys = keysOf(run);
  const accessKey = p.accessKey('add-numbers');
  const expected = [
    '<!-- slipway:plan target=local file=models.yaml -->',
    '',
    '## ✅ Slipway plan and test calls',
    '',
    `Commit \`${sha.slice(0, 7)}\` · \`models.yaml\` · **Plan:** 1 to create, 1 to rebuild.`,
    '',
    '### ✅ add-numbers: rebuild',
    '',
    '- add\\_numbers.py modified',
    '',
    `Build #2 \`${keys['add-numbers'].slice(0, 12)}\`: built.`,
    '',
    '| # | Input | Expected | Got | Result | Latency |',
    '|---:|---|---|---|---|---:|',
    '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>8</code> | <code>8</code> | ✅ pass | N ms |',
    '',
    // add-numbers is deployed: its candidate is diffed against build #1 (the same answer).
    "**Answer diff** ✅ build #2 against the deployed build #1: p95 R× the deployed build's (N ms against N ms) · 0 of 1 answers changed (0.0 %).",
    '',
    '<details><summary>Diff details</summary>',
    '',
    '1 inputs · 0 answers changed · 0 new errors · 0 shape changes · tolerance 1e-9',
    '',
    '| Latency | p50 | p95 | p99 |',
    '|---|---:|---:|---:|',
    '| candidate #2 | N ms | N ms | N ms |',
    '| deployed #1 | N ms | N ms | N ms |',
    '| ratio | R× | R× | R× |',
    '',
    '</details>',
    '',
    '<details><summary>Call the deployed endpoint</summary>',
    '',
    '```sh',
    `curl -s ${p.url}/model -H 'Content-Type: application/json' -d '{"accessKey":"${accessKey}","request":{"a":3,"b":5}}'`,
    '```',
    '',
    '```r',
    `httr::content(httr::POST("${p.url}/model", body = '{"accessKey":"${accessKey}","request":{"a":3,"b":5}}', httr::content_type_json()))$response`,
    '```',
    '',
    '</details>',
    '',
    '### ✅ mul: create',
    '',
    '- new model',
    '',
    `Build #1 \`${keys.mul.slice(0, 12)}\`: built.`,
    '',
    '| # | Input | Expected | Got | Result | Latency |',
    '|---:|---|---|---|---|---:|',
    '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>15</code> | <code>15</code> | ✅ pass | N ms |',
    '',
    '<details><summary>Call the deployed endpoint</summary>',
    '',
    '```sh',
    `curl -s ${p.url}/model -H "Authorization: Bearer $SLIPWAY_API_KEY" -H 'Content-Type: application/json' -d '{"accessKey":"<access key>","request":{"a":3,"b":5}}'`,
    '```',
    '',
    '```r',
    `httr::content(httr::POST("${p.url}/model", body = '{"accessKey":"<access key>","request":{"a":3,"b":5}}', httr::content_type_json(), httr::add_headers(Authorization = paste("Bearer", Sys.getenv("SLIPWAY_API_KEY")))))$response`,
    '```',
    '',
    '</details>',
    '',
  ].join('\n');

  assert.equal(gh.requests.map((r) => `${r.method} ${r.path}`), [
    'GET /user',
    'GET /app',
    'GET /repos/octo-org/models/issues/7/comments?per_page=100',
    'POST /repos/octo-org/models/issues/7/comments',
    'GET /repos/octo-org/models/issues/7/comments?per_page=100',
  ]);
  const body = (gh.requests[3].body as { body: string }).body;
  assert.is(steadyLatency(body), expected);
  commentId = [...gh.comments.keys()][0];

  // The job summary holds the same report, without the marker.
  assert.is(steadyLatency(run.summary), `${expected.replace('<!-- slipway:plan target=local file=models.yaml -->\n\n', '')}\n`);
  assert.is(run.outputs['changed-models'], 'add-numbers,mul');
  const results = JSON.parse(run.outputs['test-results']) as Array<{ model: string; pass: boolean; got: unknown }>;
  assert.equal(results.map((r) => [r.model, r.pass, r.got]), [['add-numbers', true, 8], ['mul', true, 15]]);
  assert.equal(JSON.parse(run.outputs.plan).changes.map((c: any) => [c.model, c.action, c.build.number, c.build.reused]), [['add-numbers', 'rebuild', 2, false], ['mul', 'create', 1, false]]);

  // Nothing was deployed: the daemon still serves build #1 of add-numbers, and no mul.
  const status = await p.status();
  assert.equal(status.models.map((m) => [m.model, m.build, m.deploymentId]), [['add-numbers', 1, 1]]);
  // The token went only to GitHub, in the Authorization header.
  assert.not.match(run.stdout.replaceAll(`::add-mask::${TOKEN}`, ''), TOKEN);
  assert.not.match(run.stderr, TOKEN);
  assert.not.match(body, TOKEN);
});

test('a second push edits the same comment instead of adding one', async () => {
  gh.requests.length = 0;
  p.fx.write('add/add_numbers.py', addV3);
  const sha = p.fx.commitAll('add-numbers v3');
  const run = await ci(sha, 'pull_request.synchronize');
  assert.is(run.status, 0, run.stderr);
  assert.equal(gh.requests.map((r) => `${r.method} ${r.path}`), [
    'GET /user',
    'GET /app',
    'GET /repos/octo-org/models/issues/7/comments?per_page=100',
    `PATCH /repos/octo-org/models/issues/comments/${commentId}`,
  ]);
  assert.is(gh.comments.size, 1);
  const body = gh.comments.get(commentId)!.body;
  assert.match(body, `Commit \`${sha.slice(0, 7)}\``);
  assert.match(body, `Build #3 \`${keysOf(run)['add-numbers'].slice(0, 12)}\`: built.`);
  // mul's key did not change: its build #1 from the first push is reused.
  assert.match(body, `### ✅ mul: create\n\n- not deployed yet\n- build #1 has this key\n\nBuild #1 \`${keysOf(run).mul.slice(0, 12)}\`: reused, nothing built.`);
});

test('a failing example: its row says so, and the check fails', async () => {
  gh.requests.length = 0;
  p.fx.write('models.yaml', modelsYaml(16));
  const sha = p.fx.commitAll('wrong expectation for mul');
  const run = await ci(sha, 'pull_request.synchronize');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stdout, '::error::failed: mul (see the job summary)');
  // On the line of mul's `example:` in models.yaml.
  assert.match(run.stdout, `::error file=models.yaml,line=14,col=5,title=example failed::models[1].example: mul: example 1 failed: $: expected 16, got 15: off by 1`);
  const body = steadyLatency(gh.comments.get(commentId)!.body);
  assert.ok(body.startsWith('<!-- slipway:plan target=local file=models.yaml -->\n\n## ❌ Slipway plan and test calls\n'), body);
  assert.match(body, '### ❌ mul: create');
  assert.match(body, '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>16</code> | <code>15</code> | ❌ fail: $: expected 16, got 15: off by 1 | N ms |');
  assert.match(body, '### ✅ add-numbers: rebuild');
  assert.is(gh.comments.size, 1);
  const results = JSON.parse(run.outputs['test-results']) as Array<{ model: string; pass: boolean }>;
  assert.equal(results.map((r) => [r.model, r.pass]), [['add-numbers', true], ['mul', false]]);
});

test('validation errors are annotated on their models.yaml lines, and the check fails', async () => {
  gh.requests.length = 0;
  p.fx.write('models.yaml', modelsYaml(15).replace('    function: mul\n', '    function: mul\n    replicas: 12\n'));
  const sha = p.fx.commitAll('too many replicas');
  const run = await ci(sha, 'pull_request.synchronize');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stdout, /^::error file=models\.yaml,line=14,col=15,title=models\.yaml is not valid::models\[1\]\.replicas: 12 is above limits\.maxReplicas 9/m);
  const body = gh.comments.get(commentId)!.body;
  assert.match(body, '### ❌ `models.yaml` is not valid');
  assert.match(body, 'models.yaml:14:15 models[1].replicas: 12 is above limits.maxReplicas 9');
  assert.is(run.outputs.plan, 'null');
});

test.run();
