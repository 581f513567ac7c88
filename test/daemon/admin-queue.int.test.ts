// The admin API's lifecycle actions wait their turn in the apply queue: a restart asked for while
// an apply is building answers only once that apply has ended. And an apply that throws in the
// daemon (after the 200 and the stream have started) ends with a result naming the cause.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAdminApi, type AdminDeps } from '../../src/daemon/admin-api.ts';
import { applyViaDaemon } from '../../src/daemon/remote-apply.ts';
import { adminClient } from '../../src/daemon/admin-client.ts';
import { eventually, localProject, processRunning } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: queue
models:
  - name: greeter
    file: m/greet.py
    function: greet
`;
const greet = 'def greet(args):\n    return "Hello, " + args["name"]\n';

test('a restart asked for while an apply builds runs after that apply has ended', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/greet.py': greet });
  const pidFile = path.join(p.root, '.slipway', 'hung-build.pid');
  try {
    await p.ok('apply', '--yes', '--port', String(p.port));
    p.fx.write('m/build.sh', `echo $$ > ${pidFile}\nexec sleep 600\n`);
    const ended: string[] = [];
    const applying = p.cli('apply', '--yes').then((run) => {
      ended.push('apply');
      return run;
    });
    const pid = await eventually('the build script to run', async () => {
      // The file appears before the pid is written into it.
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      return pid > 0 ? pid : undefined;
    }, 600);
    const restarting = p.admin('POST', 'models/greeter/restart').then((answer) => {
      ended.push('restart');
      return answer;
    });
    // Room for a restart that skipped the queue to finish while the build still hangs.
    await sleep(2000);
    assert.equal(ended, [], 'the restart waits for the apply');
    process.kill(pid, 'SIGKILL');
    const [applied, restarted] = await Promise.all([applying, restarting]);
    assert.equal(ended, ['apply', 'restart']);
    assert.is(applied.status, 1, 'the killed build failed the apply');
    assert.match(applied.stdout + applied.stderr, 'build script build.sh was killed by SIGKILL');
    assert.equal([restarted.status, restarted.body.state], [200, 'running']);
    assert.not.ok(processRunning(pid));
  } finally {
    await p.cleanup();
  }
});

test('an apply that throws in the daemon ends with a result naming the cause, not "without a result"', async () => {
  // The admin API over a runner whose apply throws: what a broken store or disk does mid-apply.
  const runner = { apply: () => Promise.reject(new Error('the store is locked by another process')) };
  const deployer = { observe: () => ({ models: [] }) };
  const deps = { token: 'T', runner, deployer } as unknown as AdminDeps;
  const admin = createAdminApi(deps);
  const server = createServer((req, res) => void admin(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address() as { port: number };
    const client = adminClient({ pid: process.pid, host: '127.0.0.1', port: address.port, token: 'T', root: '/', startedAt: '' });
    const result = await applyViaDaemon(client, '/repo/models.yaml', [], () => {});
    assert.equal(result, { ok: false, message: 'the apply failed in the daemon: the store is locked by another process' });
    const refused = await client.request('POST', 'apply', undefined);
    assert.is(refused.status, 400);
    assert.match(await refused.text(), 'apply needs {\\"file\\"');
  } finally {
    server.close();
  }
});

test.run();
