// `slipway up` watching files: an edit made while the previous edit's build still runs cancels
// that apply. Here the hung build is reverted while it runs: the build step is killed, nothing of
// it is deployed, and the deployment that served before serves on, untouched.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, processRunning } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: supersede
models:
  - name: greeter
    file: m/greet.py
    function: greet
    example:
      input: {"name": "Ada"}
`;

const greet = 'def greet(args):\n    return "Hello, " + args["name"]\n';
const main = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

test('a newer edit cancels the apply still building the older one; the previous deployment keeps serving', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/greet.py': greet });
  const child = spawn(process.execPath, [main, 'up', '--port', String(p.port)], { cwd: p.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const pidFile = path.join(p.root, '.slipway', 'hung-build.pid');
  try {
    await eventually('the first deployment to serve', async () => {
      const status = await p.status().catch(() => null);
      return status?.models[0]?.readyReplicas === 1 ? true : undefined;
    }, 600);
    const before = (await p.status()).models[0]!;
    assert.is(before.deploymentId, 1);

    // A build script that never ends: the apply the watcher starts hangs in it.
    p.fx.write('m/build.sh', `echo $$ > ${pidFile}\nsleep 600\n`);
    const pid = await eventually('the build script to run', async () => {
      // The file appears before the pid is written into it.
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      return pid > 0 ? pid : undefined;
    }, 600);
    assert.ok(processRunning(pid));

    // Reverting it supersedes the hung apply; the reverted tree is what already runs.
    rmSync(path.join(p.root, 'm', 'build.sh'));
    await eventually('the hung apply to be cancelled', async () => (/greeter: cancelled: a newer apply superseded this one/.test(stderr) ? true : undefined), 600);
    await eventually('the build script to be killed', async () => (processRunning(pid) ? undefined : true), 300);

    const after = await p.call('greeter', { name: 'Bo' }, await p.apiKey('--name', 't'));
    assert.is(after.body.response, 'Hello, Bo');
    assert.match(after.body.ReplicaID, /^greeter-1-1-/, 'still deployment #1');
    const status = (await p.status()).models[0]!;
    assert.is(status.deploymentId, 1, 'no deployment was made for the cancelled build');
    assert.is(status.build, 1);
    const builds = await p.json<Array<{ number: number; status: string }>>('builds', 'greeter', '--json');
    assert.is(builds.find((b) => b.number === 2)?.status, 'failed', 'the cancelled build is recorded as failed');
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    await p.cleanup();
  }
});

test.run();
