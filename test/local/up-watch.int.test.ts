// `slipway up` as the README runs it: in the foreground it prints curl commands that work when
// pasted into a shell, applies again when files change, and Ctrl-C stops it and its replicas;
// `up -d` leaves a daemon in the background that also applies edits on its own.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, processRunning } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: watch
models:
  - name: greeter
    file: m/greet.py
    function: greet
    example:
      input: {"name": "Ada"}
`;

const greet = (word: string) => `def greet(args):
    return "${word}, " + args["name"]
`;

const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

test('foreground up: the printed curl works pasted; an edit is applied; Ctrl-C stops daemon and replicas', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/greet.py': greet('Hello') });
  const child = spawn(process.execPath, [main, 'up', '--port', String(p.port)], { cwd: p.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const curl = await eventually('up to print a curl', async () => /^ {2}(curl .*)$/m.exec(stdout)?.[1], 600);
    const apiKey = await p.apiKey('--name', 'pasted');
    const pasted = execFileSync('sh', ['-c', curl], { cwd: p.root, encoding: 'utf8', env: { ...process.env, SLIPWAY_API_KEY: apiKey } });
    const answer = JSON.parse(pasted);
    assert.is(answer.success, true, pasted);
    assert.is(answer.response, 'Hello, Ada');

    const replicaPids = (await p.status()).models.flatMap((m) => m.replicaStats.map((r) => r.pid!));
    p.fx.write('m/greet.py', greet('Hi'));
    const after = await eventually('the edit to be served', async () => {
      const a = await p.call('greeter', { name: 'Bo' }, apiKey);
      return a.body.response === 'Hi, Bo' ? a : undefined;
    });
    assert.match(after.body.ReplicaID, /^greeter-2-2-/);

    child.kill('SIGINT');
    assert.is(await exited, 0, stderr);
    assert.is(p.daemonFile(), null, 'daemon.json is removed');
    for (const pid of replicaPids) assert.not.ok(processRunning(pid));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await p.cleanup();
  }
});

test('up -d: the background daemon applies edits of the code and of models.yaml by itself', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/greet.py': greet('Hello') });
  try {
    await p.ok('up', '-d', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'watch');
    p.fx.write('m/greet.py', greet('Howdy'));
    await eventually('the code edit to be served', async () =>
      (await p.call('greeter', { name: 'Cy' }, apiKey)).body.response === 'Howdy, Cy' ? true : undefined,
    );
    p.fx.write('models.yaml', modelsYaml.replace('    function: greet\n', '    function: greet\n    replicas: 2\n'));
    const greeter = await eventually('the replicas edit to be applied', async () => {
      const m = (await p.status()).models.find((x) => x.model === 'greeter')!;
      return m.readyReplicas === 2 ? m : undefined;
    });
    assert.is(greeter.build, 2, 'a replicas edit reuses the build');
    assert.is((await p.json<unknown[]>('builds', 'greeter', '--json')).length, 2);
    const plan = await p.json<{ changes: Array<{ action: string }> }>('plan', '--json');
    assert.equal(plan.changes.map((c) => c.action), ['noop']);
  } finally {
    await p.cleanup();
  }
});

test.run();
