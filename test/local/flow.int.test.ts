// The whole local flow as a person runs it, on a real repository: `slipway up -d`, calls through
// the daemon's gateway, then code, replica and `git revert` changes planned and applied, stop and
// start. The tests of this file share one project and run in order; each step builds on the last.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: flow
models:
  - name: adder
    file: m/add.py
    function: add
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;

const addV1 = `print("adder loaded", flush=True)

def add(args):
    print("adding", args["a"], args["b"])
    return args["a"] + args["b"]
`;

// Same answers, different code: a new build key.
const addV2 = addV1.replace('def add(args):', '# v2: same sum, new code\ndef add(args):');

const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const test = suite('local flow');
let p: LocalProject;
let apiKey: string;
let v2Commit: string;

const buildCount = async () => (await p.json<unknown[]>('builds', 'adder', '--json')).length;
const planOf = async () => (await p.json<{ changes: any[] }>('plan', '--json')).changes.find((c) => c.model === 'adder');

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/add.py': addV1 });
});
test.after(async () => {
  // Also when `before` failed half-way: whatever started is stopped.
  await p?.cleanup();
});

test('up -d builds, deploys and prints a curl with the endpoint and access key', async () => {
  // --no-watch: each change below is planned before it is applied (up-watch tests the watcher).
  const run = await p.cli('up', '-d', '--no-watch', '--port', String(p.port));
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, '✓ adder: create build #1 → deployment #1');
  assert.match(run.stdout, 'example 1: pass');
  assert.match(run.stdout, `curl -s ${p.url}/model`);
  assert.match(run.stdout, `"accessKey":"${p.accessKey('adder')}"`);
  assert.match(p.accessKey('adder'), /^[a-z0-9]{32}$/);
});

test('calls: the CML contract with the access key and /models/<name>', async () => {
  apiKey = await p.apiKey('--name', 'flow');
  const cml = await p.cml(p.accessKey('adder'), { a: 3, b: 5 }, apiKey);
  assert.is(cml.status, 200, JSON.stringify(cml.body));
  assert.is(cml.body.success, true);
  assert.is(cml.body.response, 8);
  assert.match(cml.body.ReplicaID, /^adder-1-1-[a-z0-9]+$/);
  const named = await p.call('adder', { a: 40, b: 2 }, apiKey);
  assert.is(named.status, 200, JSON.stringify(named.body));
  assert.equal(named.body.response, 42);
});

test('a code change plans a rebuild, and apply builds #2 and serves it', async () => {
  p.fx.write('m/add.py', addV2);
  v2Commit = p.fx.commitAll('v2 of the adder');
  const change = await planOf();
  assert.is(change.action, 'rebuild');
  assert.equal(change.build.number, 2);
  assert.is(change.build.reused, false);
  assert.ok(change.reasons.includes('add.py modified'), change.reasons.join('; '));
  const run = await p.cli('apply', '--yes');
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, "✓ adder: rebuild build #2 → deployment #2", run.stdout);
  assert.is(await buildCount(), 2);
  const answer = await p.call('adder', { a: 1, b: 1 }, apiKey);
  assert.match(answer.body.ReplicaID, /^adder-2-2-/);
});

test('a replicas change plans a reconfigure and builds nothing', async () => {
  p.fx.write('models.yaml', modelsYaml.replace('    function: add\n', '    function: add\n    replicas: 2\n'));
  const change = await planOf();
  assert.is(change.action, 'reconfigure');
  assert.equal(change.build, { number: 2, key: change.build.key, reused: true });
  assert.equal(change.reasons, ['replicas 1 → 2']);
  const run = await p.cli('apply', '--yes');
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.is(await buildCount(), 2, 'a reconfigure must not build');
  const adder = (await p.status()).models.find((m) => m.model === 'adder')!;
  assert.is(adder.deploymentId, 3);
  assert.is(adder.build, 2);
  assert.is(adder.readyReplicas, 2);
  assert.is(adder.replicaStats.length, 2);
});

test('git revert of the code change plans a rollback to build #1 and builds nothing', async () => {
  p.fx.commitAll('two replicas');
  p.fx.git('revert', '--no-edit', v2Commit);
  const change = await planOf();
  assert.is(change.action, 'rollback');
  assert.is(change.build.number, 1);
  assert.is(change.build.reused, true);
  assert.ok(change.reasons.includes('build #1 has this key'), change.reasons.join('; '));
  const run = await p.cli('apply', '--yes');
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, '✓ adder: rollback build #1 (reused) → deployment #4');
  assert.is(await buildCount(), 2, 'a rollback must not build');
  const answer = await p.call('adder', { a: 2, b: 2 }, apiKey);
  assert.is(answer.body.response, 4);
  assert.match(answer.body.ReplicaID, /^adder-1-4-/);
  assert.equal((await planOf()).action, 'noop');
});

test('stop: calls get 503 model.stopped and the plan shows a repair; start: calls work again', async () => {
  assert.match(await p.ok('stop', 'adder'), 'adder: stopped');
  const stopped = await p.cml(p.accessKey('adder'), { a: 1, b: 2 }, apiKey);
  assert.is(stopped.status, 503);
  assert.is(stopped.body.errorCode, 'model.stopped');
  assert.is((await p.call('adder', { a: 1, b: 2 }, apiKey)).body.errorCode, 'model.stopped');
  assert.is((await planOf()).action, 'repair');
  assert.match(await p.ok('start', 'adder'), 'adder: running');
  const started = await p.cml(p.accessKey('adder'), { a: 1, b: 2 }, apiKey);
  assert.is(started.status, 200, JSON.stringify(started.body));
  assert.is(started.body.response, 3);
  assert.is((await planOf()).action, 'noop');
});

test('status --json shows the replicas and their counters', async () => {
  const before = (await p.status()).models.find((m) => m.model === 'adder')!;
  for (let i = 0; i < 4; i++) assert.is((await p.call('adder', { a: i, b: 0 }, apiKey)).status, 200);
  await p.call('adder', { a: 'x' }, apiKey); // the function raises: a failure
  const adder = (await p.status()).models.find((m) => m.model === 'adder')!;
  assert.is(adder.state, 'running');
  assert.is(adder.replicas, 2);
  assert.is(adder.readyReplicas, 2);
  const sum = (s: typeof adder, k: 'received' | 'processed' | 'success' | 'failure') => s.replicaStats.reduce((n, r) => n + r[k], 0);
  assert.is(sum(adder, 'received') - sum(before, 'received'), 5);
  assert.is(sum(adder, 'processed') - sum(before, 'processed'), 5);
  assert.is(sum(adder, 'success') - sum(before, 'success'), 4);
  assert.is(sum(adder, 'failure') - sum(before, 'failure'), 1);
  for (const r of adder.replicaStats) {
    assert.match(r.id, /^adder-1-4-[a-z0-9]+$/);
    assert.is(r.state, 'ready');
    assert.ok(r.pid);
  }
  // The same counters for Prometheus, on the gateway's port, without a key.
  const scraped = await fetch(`${p.url}/metrics`);
  assert.is(scraped.status, 200);
  const text = await scraped.text();
  for (const r of adder.replicaStats) {
    assert.match(text, `slipway_replica_calls_total{model="adder",replica="${r.id}",outcome="success"} ${r.success}\n`);
    assert.match(text, `slipway_replica_calls_total{model="adder",replica="${r.id}",outcome="failure"} ${r.failure}\n`);
  }
  assert.match(text, 'slipway_model_ready_replicas{model="adder"} 2\n');
  assert.match(text, /slipway_call_duration_seconds_count\{model="adder"\} [1-9]/);
});

test('deployments lists the history; logs shows what the model printed, with a timestamp', async () => {
  const history = await p.ok('deployments', 'adder');
  const lines = history.trim().split('\n');
  assert.is(lines.length, 4, history);
  assert.match(lines[0], /^#1 +build #1 .*create/);
  assert.match(lines[1], /^#2 +build #2 .*rebuild: add\.py modified/);
  assert.match(lines[2], /^#3 +build #2 .*reconfigure: replicas 1 → 2/);
  assert.match(lines[3], /^#4 +build #1 +active .*rollback/);
  const logs = await p.ok('logs', 'adder');
  assert.match(logs, /^\d{4}-\d\d-\d\dT[\d:.]+Z adder-\S+ stdout adding \d+ 0$/m);
  assert.match(logs, /^\S+Z adder-\S+ stdout adder loaded$/m);
});

test('logs --follow prints new lines as calls print them; --replica keeps to one replica', async () => {
  const child = spawn(process.execPath, [main, 'logs', 'adder', '--follow', '-n', '1'], { cwd: p.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  try {
    await eventually('logs --follow to print the latest line', async () => (out.includes('\n') ? true : undefined));
    const answer = await p.call('adder', { a: 777, b: 1 }, apiKey);
    const line = await eventually('the call to be followed', async () => /^\S+Z (adder-\S+) stdout adding 777 1$/m.exec(out) ?? undefined);
    assert.is(line[1], answer.body.ReplicaID);
  } finally {
    child.kill();
  }
  const replicas = (await p.status()).models[0].replicaStats.map((r) => r.id);
  const one = await p.ok('logs', 'adder', '--replica', replicas[1]);
  assert.ok(one.trim().length > 0);
  for (const line of one.trim().split('\n')) assert.is(line.split(' ')[1], replicas[1]);
});

test('call --data and --example; restart serves again from new processes', async () => {
  const data = await p.cli('call', 'adder', '--data', '{"a": 20, "b": 22}');
  assert.is(data.status, 0, data.stderr);
  assert.is(JSON.parse(data.stdout).response, 42);
  const example = await p.cli('call', 'adder', '--example');
  assert.is(example.status, 0, example.stderr);
  assert.is(JSON.parse(example.stdout).response, 8);
  const pids = (await p.status()).models[0].replicaStats.map((r) => r.pid);
  assert.match(await p.ok('restart', 'adder'), 'adder: running');
  const adder = (await p.status()).models[0];
  assert.is(adder.readyReplicas, 2);
  for (const r of adder.replicaStats) assert.not.ok(pids.includes(r.pid));
  assert.is((await p.call('adder', { a: 1, b: 1 }, apiKey)).body.response, 2);
});

test('stop, start and restart of an unknown model say so, without a stack trace', async () => {
  for (const action of ['stop', 'start', 'restart']) {
    const run = await p.cli(action, 'no-such-model');
    assert.is(run.status, 1);
    assert.match(run.stderr, new RegExp(`^slipway: cannot ${action} no-such-model: no-such-model (is not deployed|has no active deployment)`));
    assert.not.match(run.stderr, /\n\s+at /);
  }
});

test('a reader that closes the pipe early (`slipway status | head`) is not an error', async () => {
  const child = spawn(process.execPath, [main, 'status'], { cwd: p.root, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the CLI writes anything: its first write meets a broken pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.is(stderr, '');
  assert.is(code, 0);
});

test.run();
