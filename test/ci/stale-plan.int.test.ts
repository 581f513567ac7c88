// The plan reviewed is the plan applied, in CI on the local daemon: a plan run outputs its
// fingerprint; an apply given that fingerprint applies only while the plan is the same. Once the
// code changed, the daemon refuses the apply with Terraform's saved-plan answer and deploys
// nothing; the plan made since applies.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { ADD_SOURCE, addNumbersYaml, runSlipwayCi, TOKEN, type StepRun } from './ci-harness.ts';

const test = suite('stale plan');
let p: LocalProject;
let gh: FakeGitHub;

const ci = (...args: string[]): Promise<StepRun> => runSlipwayCi(['--port', String(p.port), ...args], { cwd: p.root, apiUrl: gh.url });

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': addNumbersYaml('stale'), 'add/add_numbers.py': ADD_SOURCE });
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('an apply given the fingerprint of a plan that changed since is refused; the current one applies', async () => {
  const reviewed = await ci('--command', 'plan');
  assert.is(reviewed.status, 0, reviewed.stderr);
  const stale = reviewed.outputs['plan-fingerprint']!;
  assert.match(stale, /^[0-9a-f]{64}$/);

  p.fx.write('add/add_numbers.py', `# v2\n${ADD_SOURCE}`);
  p.fx.commitAll('v2 after the review');
  const refused = await ci('--command', 'apply', '--plan-fingerprint', stale);
  assert.is(refused.status, 1, refused.stderr);
  assert.match(refused.stdout + refused.stderr, 'the plan changed since you confirmed it: review it again');
  assert.equal(await p.json('builds', 'add-numbers', '--json'), [], 'nothing was built');

  const current = await ci('--command', 'plan');
  const fingerprint = current.outputs['plan-fingerprint']!;
  assert.is.not(fingerprint, stale);
  const applied = await ci('--command', 'apply', '--plan-fingerprint', fingerprint);
  assert.is(applied.status, 0, applied.stderr);
  assert.is(applied.outputs['plan-fingerprint'], fingerprint, 'the apply reports the fingerprint of the plan it applied');
  assert.equal((await p.status()).models.map((m) => [m.model, m.build, m.readyReplicas]), [['add-numbers', 1, 1]]);
});

test('a plan-fingerprint that is not one is refused before anything runs', async () => {
  const run = await ci('--command', 'apply', '--plan-fingerprint', 'latest');
  assert.is(run.status, 1);
  assert.match(run.stderr, 'plan-fingerprint is "latest"; expected the 64 hex digits');
});

test.run();
