// Two commands that each find no daemon start one daemon between them, not two on one store.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: race
models:
  - name: adder
    file: adder/add.py
    function: add
    auth: false
`;

/** Slipway daemon processes whose working directory is `root`. */
function daemonsIn(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes('daemon') && readlinkSync(`/proc/${entry}/cwd`) === root) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

test('two applies at once on a repository without a daemon: one daemon, both applies succeed', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'adder/add.py': 'def add(args):\n    return args["a"] + args["b"]\n' });
  try {
    const port = String(p.port);
    const [first, second] = await Promise.all([p.cli('apply', '--yes', '--port', port), p.cli('apply', '--yes', '--port', port)]);
    assert.is(first.status, 0, first.stderr);
    assert.is(second.status, 0, second.stderr);
    const starts = [first, second].filter((run) => run.stderr.includes('started the Slipway daemon')).length;
    assert.is(starts, 1, 'exactly one of them started the daemon');
    assert.is(daemonsIn(p.root).length, 1);
    assert.is((await p.call('adder', { a: 2, b: 3 })).body.response, 5);
  } finally {
    await p.cleanup();
  }
});

test.run();
