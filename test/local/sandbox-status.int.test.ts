// Whether the daemon's replicas are sandboxed, as `status` says it: nothing when they are (the
// JSON names bubblewrap), one line when no sandbox can be made, also said once in the daemon's log.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { localProject } from '../support/local-daemon.ts';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';

const files = { 'models.yaml': 'version: 1\nproject: s\nmodels:\n  - name: echo\n    file: m/echo.py\n    function: echo\n    auth: false\n', 'm/echo.py': 'def echo(args):\n    return args\n' };

test('no sandbox here (SLIPWAY_SANDBOX=none): status says so, and the daemon log once', async () => {
  const p = await localProject(files);
  try {
    const up = await slipwayAsync(p.root, ['up', '-d', '--no-watch', '--port', String(p.port)], { SLIPWAY_SANDBOX: 'none' });
    assert.is(up.status, 0, up.stderr);
    const status = await p.ok('status');
    assert.match(status, 'sandbox none: replicas are not sandboxed (SLIPWAY_SANDBOX=none is set)');
    const log = readFileSync(path.join(p.root, '.slipway', 'daemon.log'), 'utf8');
    assert.is(log.split('replicas are not sandboxed').length - 1, 1, log);
  } finally {
    await p.cleanup();
  }
});

test('sandboxed: status names bubblewrap in its JSON and prints no sandbox line', async () => {
  const sandbox = detectSandbox();
  if (!sandbox.ok) {
    if (process.env.CI === 'true') throw new Error(`no sandbox on this machine: ${sandbox.reason}`);
    return;
  }
  const p = await localProject(files);
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    assert.is((await p.json<{ sandbox: string }>('status', '--json')).sandbox, 'bubblewrap');
    assert.not.match(await p.ok('status'), 'sandbox');
  } finally {
    await p.cleanup();
  }
});

test.run();
