// fromEnv secrets in CI: the throwaway replica gets them (so examples run as deployed), and their
// values never reach the comment, the summary, the outputs or the log, even when the model answers
// with one. Without the secret in the job, the model's check fails saying how to give it. Also the
// same flow on a terminal: `slipway test`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { prPayload, runSlipwayCi, TOKEN } from './ci-harness.ts';

const SECRET = 'hunter2-very-secret-value';

const modelsYaml = `version: 1
project: secrets
models:
  - name: leaky
    file: leaky/leaky.py
    function: leak
    env:
      API_TOKEN: {fromEnv: LEAKY_API_TOKEN}
    example:
      input: {"say": "token"}
`;
const leaky = 'import os\n\ndef leak(args):\n    print("token is", os.environ["API_TOKEN"])\n    return {"token": os.environ["API_TOKEN"], "said": args["say"]}\n';

const test = suite('secrets');
let p: LocalProject;
let gh: FakeGitHub;

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml, 'leaky/leaky.py': leaky });
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('the replica gets the secret; comment, summary, outputs and logs never show it', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  const run = await runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.opened', sha) }, env: { LEAKY_API_TOKEN: SECRET } });
  assert.is(run.status, 0, run.stderr);
  const body = (gh.requests[3].body as { body: string }).body;
  assert.match(body, '<code>{&quot;token&quot;:&quot;***&quot;,&quot;said&quot;:&quot;token&quot;}</code> | ✅ pass |');
  const results = JSON.parse(run.outputs['test-results']) as Array<{ got: unknown }>;
  assert.equal(results[0].got, { token: '***', said: 'token' });
  // The runner is told to mask it; nothing else prints it.
  assert.match(run.stdout, `::add-mask::${SECRET}`);
  for (const text of [body, run.summary, run.stdout.replaceAll(`::add-mask::${SECRET}`, ''), run.stderr, JSON.stringify(run.outputs)]) assert.not.match(text, 'hunter2');
});

test('without the secret in the job (unset or empty, as a fork gets it), the examples are skipped, not failed, and it says how to give it', async () => {
  const sha = p.fx.git('rev-parse', 'HEAD');
  for (const env of [{}, { LEAKY_API_TOKEN: '' }] as Record<string, string>[]) {
    const run = await runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.synchronize', sha) }, env });
    assert.is(run.status, 0, run.stderr);
    assert.match(run.summary, '⏭️ **Skipped:** secret not available on this PR (LEAKY\\_API\\_TOKEN); a same-repository pull request gets it when the job passes it (env: LEAKY\\_API\\_TOKEN: ${{ secrets.LEAKY\\_API\\_TOKEN }})');
    assert.not.match(run.summary, '| 1 |');
  }
});

test('slipway test on a terminal: the same check, secrets scrubbed, exit 0', async () => {
  const run = await slipwayAsync(p.root, ['test'], { LEAKY_API_TOKEN: SECRET });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, '✓ leaky: create build #1 reused');
  assert.match(run.stdout, 'example 1: pass');
  assert.match(run.stdout, '{"token":"***","said":"token"}');
  assert.match(run.stdout, 'All test calls passed.');
  assert.not.match(run.stdout + run.stderr, 'hunter2');
});

test.run();
