// The Action's bundle (built from the sources, as dist/index.js is at integration), run as the Actions runner runs action.yml: every input as an
// INPUT_<NAME> variable (defaults from action.yml, the dash of github-token kept), the event in
// GITHUB_EVENT_PATH, outputs and summary to the runner's files, the API at the fake GitHub. A pull
// request gets its comment; a merge applies through a daemon that the bundle starts from itself.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { ADD_SOURCE, addNumbersYaml, prPayload, pushPayload, RUN_URL, runStep, steadyLatency, TOKEN } from '../ci/ci-harness.ts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { buildActionBundle, type Bundle } from '../support/action-bundle.ts';

const packageRoot = path.resolve(import.meta.dirname, '../..');
let built: Bundle;
let bundle: string;
const action = parse(readFileSync(path.join(packageRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

const modelsYaml = addNumbersYaml('action');
const add = ADD_SOURCE;

/** INPUT_* as the runner sets them: each input of action.yml, its default unless given, expressions evaluated. */
function inputEnv(given: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = given[name] ?? spec.default ?? '';
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value === '${{ github.token }}' ? TOKEN : value;
  }
  return env;
}

const test = suite('action bundle');
let p: LocalProject;
let gh: FakeGitHub;

test.before(async () => {
  built = buildActionBundle();
  bundle = built.file;
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml, 'add/add_numbers.py': add });
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
  built.cleanup();
});

test('action.yml runs dist/index.js on node24 with the documented inputs and outputs', () => {
  assert.equal(action.runs, { using: 'node24', main: 'dist/index.js' });
  assert.equal(Object.keys(action.inputs), ['command', 'file', 'backend', 'github-token', 'fail-on-drift', 'gateway-url', 'port', 'unsafe-candidates', 'plan-fingerprint']);
  assert.equal(Object.keys(action.outputs), ['plan', 'plan-fingerprint', 'changed-models', 'test-results']);
  assert.is(inputEnv({})['INPUT_GITHUB-TOKEN'], TOKEN);
});

test('a pull request through the bundle: the sticky comment, the summary and the outputs', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await runStep([bundle], {
    cwd: p.root,
    apiUrl: gh.url,
    event: { name: 'pull_request', payload: prPayload('pull_request.opened', sha) },
    env: inputEnv({ file: 'models.yaml', 'gateway-url': 'https://models.example.com' }),
  });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(gh.requests.map((r) => `${r.method} ${r.path}`), [
    'GET /user',
    'GET /app',
    'GET /repos/octo-org/models/issues/7/comments?per_page=100',
    'POST /repos/octo-org/models/issues/7/comments',
    'GET /repos/octo-org/models/issues/7/comments?per_page=100',
  ]);
  const body = steadyLatency((gh.requests[3].body as { body: string }).body);
  const plan = JSON.parse(run.outputs.plan) as { changes: Array<{ model: string; action: string; build: { number: number; key: string; reused: boolean } }> };
  assert.equal(plan.changes.map((c) => [c.model, c.action, c.build.number, c.build.reused]), [['add-numbers', 'create', 1, false]]);
  assert.ok(body.startsWith(`<!-- slipway:plan target=local file=models.yaml -->\n\n## ✅ Slipway plan and test calls\n\nCommit \`${sha.slice(0, 7)}\` · \`models.yaml\` · **Plan:** 1 to create.\n\n`), body);
  assert.match(body, `### ✅ add-numbers: create\n\n- new model\n\nBuild #1 \`${plan.changes[0].build.key.slice(0, 12)}\`: built.`);
  assert.match(body, '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>8</code> | <code>8</code> | ✅ pass | N ms |');
  assert.match(body, `curl -s https://models.example.com/model -H "Authorization: Bearer $SLIPWAY_API_KEY" -H 'Content-Type: application/json' -d '{"accessKey":"<access key>","request":{"a":3,"b":5}}'`);
  assert.is(steadyLatency(run.summary), `${body.replace('<!-- slipway:plan target=local file=models.yaml -->\n\n', '')}\n`);
  assert.is(run.outputs['changed-models'], 'add-numbers');
  assert.equal(JSON.parse(run.outputs['test-results']), [
    { model: 'add-numbers', example: 1, input: { a: 3, b: 5 }, expected: 8, got: 8, pass: true, detail: null, latencyMs: (JSON.parse(run.outputs['test-results']) as Array<{ latencyMs: number }>)[0].latencyMs },
  ]);
  // The token is handed to the runner to mask, and otherwise never printed.
  assert.match(run.stdout, `::add-mask::${TOKEN}`);
  assert.not.match(run.stdout.replaceAll(`::add-mask::${TOKEN}`, ''), TOKEN);
  assert.not.match(run.stderr, TOKEN);
  assert.is(p.daemonFile(), null);
});

test('a merge through the bundle: the daemon it starts is the bundle itself; commit comment and status', async () => {
  gh.requests.length = 0;
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await runStep([bundle], {
    cwd: p.root,
    apiUrl: gh.url,
    event: { name: 'push', payload: pushPayload(sha) },
    env: { ...inputEnv({ port: String(p.port) }), RUNNER_TRACKING_ID: 'github_job_tracking' },
  });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const daemon = p.daemonFile();
  assert.ok(daemon, 'the apply started a daemon');
  const cmdline = readFileSync(`/proc/${daemon!.pid}/cmdline`, 'utf8').split('\0');
  assert.equal(cmdline.slice(1, 3), [bundle, 'daemon']);
  // Started to outlive the job: without the runner's tracking id, the job's inputs or its token.
  const environ = readFileSync(`/proc/${daemon!.pid}/environ`, 'utf8');
  assert.not.match(environ, 'RUNNER_TRACKING_ID');
  // Nor the job's own variables: the next job has another event file, summary and outputs.
  assert.not.match(environ, 'GITHUB_');
  assert.not.match(environ, 'INPUT_');
  assert.not.match(environ, TOKEN);
  assert.equal(gh.requests.map((r) => `${r.method} ${r.path}`), [`POST /repos/octo-org/models/commits/${sha}/comments`, `POST /repos/octo-org/models/statuses/${sha}`]);
  assert.equal(gh.requests[1].body, { state: 'success', context: 'slipway/apply', description: 'applied: 1 to create.', target_url: RUN_URL });
  assert.match((gh.requests[0].body as { body: string }).body, '### ✅ add-numbers: create\n\n- not deployed yet\n- build #1 has this key\n\nBuild #1 `');
  const answer = await p.cml(p.accessKey('add-numbers'), { a: 3, b: 5 }, await p.apiKey());
  assert.equal([answer.status, answer.body.response], [200, 8]);
});

test.run();
