// Scheduled reconcile on a real repository and daemon: no drift is reported as such; hand-made
// drift (a model stopped outside Slipway, replicas changed in the store, the daemon killed) is
// repaired and reported, and with --fail-on-drift the run fails.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';
import { ADD_SOURCE, addNumbersYaml, payload, runSlipwayCi, TOKEN, type StepRun } from './ci-harness.ts';

// A local target by name: `--backend box` is this runner's daemon, as `--backend local` is.
const modelsYaml = `${addNumbersYaml('ci')}targets:\n  box:\n    backend: local\n`;
const add = ADD_SOURCE;

const test = suite('reconcile');
let p: LocalProject;
let gh: FakeGitHub;

const nightly = async (...args: string[]): Promise<StepRun> => {
  const run = await runSlipwayCi(['--port', String(p.port), ...args], { cwd: p.root, apiUrl: gh.url, event: { name: 'schedule', payload: payload('schedule') } });
  p.daemonFile();
  return run;
};
const served = async () => (await p.status()).models.map((m) => [m.model, m.state, m.readyReplicas, m.deploymentId]);

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': modelsYaml, 'add/add_numbers.py': add });
  await p.ok('apply', '--yes', '--port', String(p.port));
});
test.after(async () => {
  await p.cleanup();
  await gh.close();
});

test('nothing drifted (the event given by flags): reported as such, nothing applied, nothing posted', async () => {
  const fixture = path.resolve(import.meta.dirname, '../fixtures/github/schedule.json');
  const run = await runSlipwayCi(['--event', 'schedule', '--payload', fixture, '--fail-on-drift', '--port', String(p.port)], { cwd: p.root, apiUrl: gh.url });
  assert.match(run.stderr, 'slipway: scheduled run: reconcile (repair drift)');
  assert.is(run.status, 0, run.stderr);
  assert.match(run.summary, '## ✅ Slipway reconcile');
  assert.match(run.summary, '**No drift**: everything runs as last applied.');
  assert.is(run.outputs['changed-models'], '');
  assert.equal(gh.requests, []);
  assert.equal(await served(), [['add-numbers', 'running', 1, 1]]);
});

test('--backend naming a local target of the models file runs the local flows', async () => {
  const run = await nightly('--backend', 'box', '--fail-on-drift');
  assert.is(run.status, 0, run.stderr);
  assert.match(run.summary, '**No drift**: everything runs as last applied.');
  assert.equal(await served(), [['add-numbers', 'running', 1, 1]]);
});

test('a model stopped outside Slipway is repaired and reported; fail-on-drift fails the run', async () => {
  await p.ok('stop', 'add-numbers');
  assert.equal(await served(), [['add-numbers', 'stopped', 0, 1]]);
  const run = await nightly('--fail-on-drift');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.summary, '## ❌ Slipway reconcile');
  assert.match(run.summary, '**Drift found**');
  assert.match(run.summary, '**Failed:** drift was found (and repaired where possible); failing because fail-on-drift is set');
  assert.match(run.summary, '### ✅ add-numbers: repair\n\n- stopped while declared running (slipway stop, or by hand)\n\nBuild #1 `');
  assert.match(run.summary, ': reused, nothing built.\n\nDeployment #2.');
  assert.match(run.summary, '| <code>8</code> | <code>8</code> | ✅ pass |');
  assert.match(run.stdout, '::error::drift was found (and repaired where possible); failing because fail-on-drift is set');
  assert.is(run.outputs['changed-models'], 'add-numbers');
  assert.equal(await served(), [['add-numbers', 'running', 1, 2]]);
});

test('replicas changed in the store are put back as declared; without fail-on-drift the run passes', async () => {
  const db = new DatabaseSync(path.join(p.root, '.slipway', 'state.db'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const row = db.prepare("SELECT id, serving FROM deployments WHERE model = 'add-numbers' ORDER BY id DESC LIMIT 1").get() as { id: number; serving: string };
    db.prepare('UPDATE deployments SET serving = ? WHERE id = ?').run(JSON.stringify({ ...JSON.parse(row.serving), replicas: 3 }), row.id);
  } finally {
    db.close();
  }
  const run = await nightly();
  assert.is(run.status, 0, run.stderr);
  assert.match(run.summary, '## ✅ Slipway reconcile');
  assert.match(run.summary, '**Drift found**');
  assert.match(run.summary, '### ✅ add-numbers: reconfigure\n\n- replicas 3 → 1\n\nBuild #1 `');
  assert.equal(await served(), [['add-numbers', 'running', 1, 3]]);
});

test('a daemon that died is started again; its deployments come back and the run says so', async () => {
  const daemon = p.daemonFile()!;
  process.kill(daemon.pid, 'SIGKILL');
  await eventually('the killed daemon to be gone', async () => {
    try {
      process.kill(daemon.pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
  const run = await nightly('--fail-on-drift');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.summary, `- the Slipway daemon was not running, so add-numbers was not served: started it at ${p.url}, which restored the deployments`);
  assert.not.equal(p.daemonFile()!.pid, daemon.pid);
  assert.equal(await served(), [['add-numbers', 'running', 1, 3]]);
  // Log, summary and outputs agree: drift, repaired by the restart, for add-numbers.
  assert.match(run.summary, '**Drift found**');
  assert.match(run.summary, '### ✅ add-numbers: repair\n\n- the Slipway daemon was not running: starting it restored the deployment\n\nDeployment #3.');
  assert.match(run.stderr, 'drift: the daemon was not running; starting it restored add-numbers');
  assert.not.match(run.stderr, 'no drift');
  assert.is(run.outputs['changed-models'], 'add-numbers');
  assert.not.match(run.summary, 'No examples declared');
});

test.run();
