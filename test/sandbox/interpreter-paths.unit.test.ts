// What a sandbox mounts for an interpreter, found from files (never by running it): a virtualenv's
// own folders and those of the Python its pyvenv.cfg names, as bin/lib/lib64 only.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { interpreterPaths } from '../../src/sandbox/interpreter-paths.ts';

test('a virtualenv based on a Python outside /usr: the venv and the base, bin/lib/lib64 only, never the whole prefix', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-interp-'));
  try {
    const base = path.join(dir, 'home', '.pyenv', 'versions', '3.11.7');
    for (const sub of ['bin', 'lib', 'include']) mkdirSync(path.join(base, sub), { recursive: true });
    writeFileSync(path.join(base, 'bin', 'python3.11'), '');
    const venv = path.join(dir, 'repo', '.slipway', 'deps', 'abc', 'venv');
    mkdirSync(path.join(venv, 'bin'), { recursive: true });
    mkdirSync(path.join(venv, 'lib'), { recursive: true });
    symlinkSync(path.join(base, 'bin', 'python3.11'), path.join(venv, 'bin', 'python'));
    writeFileSync(path.join(venv, 'pyvenv.cfg'), `home = ${path.join(base, 'bin')}\ninclude-system-site-packages = true\n`);
    assert.equal(interpreterPaths(path.join(venv, 'bin', 'python')), [
      path.join(base, 'bin'),
      path.join(base, 'lib'),
      path.join(venv, 'bin'),
      path.join(venv, 'lib'),
      path.join(venv, 'pyvenv.cfg'),
    ].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Debian's python3: everything is under /usr, which the sandbox mounts anyway", () => {
  assert.equal(interpreterPaths('/usr/bin/python3'), []);
});

test.run();
