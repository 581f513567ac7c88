// The daemon's life: a restarted daemon (after `down`, started directly, or after being killed)
// brings back what was deployed without building or deploying anything; daemon.json is 0600 and
// the admin API refuses a wrong token.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, processRunning, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

const modelsYaml = `version: 1
project: restart
models:
${modelEntry('keeper', 'echo', ['auth: false', 'replicas: 2'])}
${modelEntry('resting', 'echo', ['auth: false', 'state: stopped'])}
`;

const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const test = suite('daemon restart and admin access');
let p: LocalProject;

/** What must not change across a restart: the builds and deployments on record. */
async function history(): Promise<string> {
  const builds = await p.json<unknown[]>('builds', 'keeper', '--json');
  const deployments = await p.json<Array<{ id: number; status: string }>>('deployments', 'keeper', '--json');
  return JSON.stringify({ builds: builds.length, deployments: deployments.map((d) => [d.id, d.status]) });
}

async function servesAsBefore(expectedHistory: string): Promise<void> {
  const answer = await p.call('keeper', { back: true });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  assert.match(answer.body.ReplicaID, /^keeper-1-\d+-/);
  const keeper = (await p.status()).models.find((m) => m.model === 'keeper')!;
  assert.is(keeper.readyReplicas, 2);
  const stopped = await p.call('resting', { a: 1 });
  assert.is(stopped.status, 503, JSON.stringify(stopped.body));
  assert.is(stopped.body.errorCode, 'model.stopped');
  assert.is(await history(), expectedHistory);
}

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': behavingModels });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
});
test.after(async () => {
  // Also when `before` failed half-way: whatever started is stopped.
  await p?.cleanup();
});

test('daemon.json and access-keys.json are mode 0600; the daemon listens on loopback', () => {
  const info = p.daemonFile()!;
  assert.is(info.host, '127.0.0.1');
  assert.is(statSync(path.join(p.root, '.slipway', 'daemon.json')).mode & 0o777, 0o600);
  assert.is(statSync(path.join(p.root, '.slipway', 'access-keys.json')).mode & 0o777, 0o600);
});

test('the admin API refuses a missing or wrong token (401) and serves the right one', async () => {
  const info = p.daemonFile()!;
  const wrong = await p.admin('GET', 'status', 'f'.repeat(info.token.length));
  assert.is(wrong.status, 401, JSON.stringify(wrong.body));
  assert.is((await p.admin('GET', 'health', 'nope')).status, 401);
  assert.is((await p.admin('POST', 'shutdown', info.token.slice(0, -1))).status, 401);
  const right = await p.admin('GET', 'health');
  assert.is(right.status, 200);
  assert.is(right.body.pid, info.pid, 'the refused shutdown left the daemon running');
});

test('down, then up -d: the models come back with no new build or deployment', async () => {
  const before = await history();
  assert.match(before, '"builds":1');
  const oldPid = p.daemonFile()!.pid;
  assert.match(await p.ok('down'), 'daemon stopped');
  assert.is(p.daemonFile(), null);
  assert.not.ok(processRunning(oldPid));
  const up = await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  assert.match(up, 'No changes');
  assert.is.not(p.daemonFile()!.pid, oldPid);
  await servesAsBefore(before);
});

test('down, then `slipway daemon` started directly: the models come back without an apply', async () => {
  const before = await history();
  await p.ok('down');
  const child = spawn(process.execPath, [main, 'daemon', '--port', String(p.port)], { cwd: p.root, stdio: 'ignore', detached: true });
  child.unref();
  try {
    await eventually('the daemon to write daemon.json', async () => (p.daemonFile()?.pid === child.pid ? true : undefined));
    await servesAsBefore(before);
  } finally {
    await p.down();
  }
});

test('a daemon killed with SIGKILL: its replicas stop by themselves; apply brings the models back without redeploying', async () => {
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  const before = await history();
  const replicaPids = (await p.status()).models.flatMap((m) => m.replicaStats.map((r) => r.pid!));
  assert.is(replicaPids.length, 2);
  process.kill(p.daemonFile()!.pid, 'SIGKILL');
  await eventually('the orphaned replicas to exit', async () => (replicaPids.every((pid) => !processRunning(pid)) ? true : undefined));
  const noDaemon = await p.cli('status');
  assert.is(noDaemon.status, 1);
  assert.match(noDaemon.stderr, 'no Slipway daemon is running');
  const apply = await p.ok('apply', '--yes', '--port', String(p.port));
  assert.match(apply, 'No changes');
  await servesAsBefore(before);
});

test.run();
