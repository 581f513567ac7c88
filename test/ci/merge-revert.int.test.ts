// Merges on a real repository: a push to main applies in the daemon (started by the first run),
// the examples run against the deployed model, and the result goes to the commit as a comment and
// a `slipway/apply` status. A revert then rolls back to the earlier build without building.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { ADD_SOURCE, addNumbersYaml, pushPayload, RUN_URL, runSlipwayCi, TOKEN, type StepRun } from './ci-harness.ts';

const modelsYaml = addNumbersYaml('ci');
const addV1 = ADD_SOURCE;
const addV2 = '# v2: same sum, new code\ndef add(args):\n    return args["a"] + args["b"]\n';

const test = suite('merge and revert');
let p: LocalProject;
let gh: FakeGitHub;
let firstSha: string;

const merge = async (sha: string): Promise<StepRun> => {
  gh.requests.length = 0;
  const run = await runSlipwayCi(['--port', String(p.port)], { cwd: p.root, apiUrl: gh.url, event: { name: 'push', payload: pushPayload(sha) } });
  p.daemonFile();
  return run;
};
const builds = async () => (await p.json<Array<{ number: number }>>('builds', 'add-numbers', '--json')).map((b) => b.number);

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml, 'add/add_numbers.py': addV1 });
  firstSha = p.fx.git('rev-parse', 'HEAD');
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('a merge applies: the daemon starts, deploys, calls the example; commit comment and success status', async () => {
  const run = await merge(firstSha);
  assert.is(run.status, 0, run.stderr);
  assert.equal(gh.requests.map((r) => `${r.method} ${r.path}`), [
    `POST /repos/octo-org/models/commits/${firstSha}/comments`,
    `POST /repos/octo-org/models/statuses/${firstSha}`,
  ]);
  assert.equal(gh.requests[1].body, { state: 'success', context: 'slipway/apply', description: 'applied: 1 to create.', target_url: RUN_URL });
  const comment = (gh.requests[0].body as { body: string }).body;
  assert.match(comment, '## ✅ Slipway apply');
  assert.match(comment, `- started the Slipway daemon at ${p.url}`);
  assert.match(comment, '### ✅ add-numbers: create\n\n- new model\n\nBuild #1 `');
  assert.match(comment, '\n\nDeployment #1.\n\n| # | Input | Expected | Got | Result | Latency |');
  assert.match(comment, '| <code>8</code> | <code>8</code> | ✅ pass |');
  assert.match(comment, `"accessKey":"${p.accessKey('add-numbers')}"`);
  assert.is(run.summary, `${comment}\n`);
  const served = await p.status();
  assert.equal(served.models.map((m) => [m.model, m.build, m.readyReplicas]), [['add-numbers', 1, 1]]);
  assert.equal(await builds(), [1]);
});

test('a code change merged: rebuild, build #2 deployed', async () => {
  p.fx.write('add/add_numbers.py', addV2);
  const sha = p.fx.commitAll('v2');
  const run = await merge(sha);
  assert.is(run.status, 0, run.stderr);
  assert.equal(gh.requests[1].body, { state: 'success', context: 'slipway/apply', description: 'applied: 1 to rebuild.', target_url: RUN_URL });
  assert.match((gh.requests[0].body as { body: string }).body, '### ✅ add-numbers: rebuild\n\n- add\\_numbers.py modified\n\nBuild #2 `');
  assert.equal(await builds(), [1, 2]);
  assert.is((await p.status()).models[0].build, 2);
});

test('a revert rolls back to build #1 and builds nothing', async () => {
  p.fx.git('revert', '--no-edit', 'HEAD');
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await merge(sha);
  assert.is(run.status, 0, run.stderr);
  const plan = JSON.parse(run.outputs.plan) as { changes: Array<{ model: string; action: string; build: { number: number; reused: boolean }; reasons: string[] }> };
  assert.equal(plan.changes.map((c) => [c.action, c.build.number, c.build.reused, c.reasons[0]]), [['rollback', 1, true, 'build #1 has this key']]);
  assert.equal(gh.requests[1].body, { state: 'success', context: 'slipway/apply', description: 'applied: 1 to roll back.', target_url: RUN_URL });
  assert.match((gh.requests[0].body as { body: string }).body, '### ✅ add-numbers: rollback\n\n- build #1 has this key\n- add\\_numbers.py modified\n\nBuild #1 `');
  assert.match((gh.requests[0].body as { body: string }).body, ': reused, nothing built.');
  assert.equal(await builds(), [1, 2]);
  assert.is((await p.status()).models[0].build, 1);
});

test('a merge whose example fails: failure status naming the model, exit 1', async () => {
  p.fx.write('add/add_numbers.py', 'def add(args):\n    return args["a"] - args["b"]\n');
  const sha = p.fx.commitAll('broken sum');
  const run = await merge(sha);
  assert.is(run.status, 1, run.stderr);
  assert.equal(gh.requests[1].body, { state: 'failure', context: 'slipway/apply', description: 'add-numbers: example 1 failed', target_url: RUN_URL });
  assert.match((gh.requests[0].body as { body: string }).body, '| <code>8</code> | <code>-2</code> | ❌ fail: $: expected 8, got -2: off by 10 |');
});

test.run();
