// requirements.txt with a local package, installed by pip with no index. Needs an interpreter whose
// venv (through --system-site-packages) sees setuptools and wheel, so pip builds the package
// without fetching a build backend: Debian's /usr/bin/python3 with python3-venv, python3-pip,
// python3-setuptools and python3-wheel. Set SLIPWAY_TEST_PYTHON to use another.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBuildInfo } from '../../src/build/build-info.ts';
import type { BuildOutcome } from '../../src/build/builder.ts';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { buildKey, modelSpec, repo, type Repo } from './fixture.ts';

const PYTHON = process.env.SLIPWAY_TEST_PYTHON ?? '/usr/bin/python3';

function usable(python: string): boolean {
  try {
    // find_spec, not import: importing pip and setuptools together trips setuptools' distutils hack.
    const check = 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("ensurepip", "pip", "setuptools", "wheel")))';
    execFileSync(python, ['-c', check], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = usable(PYTHON);
if (!available && process.env.CI === 'true') {
  throw new Error(`${PYTHON} lacks venv/pip/setuptools/wheel: apt-get install python3-venv python3-pip python3-setuptools python3-wheel`);
}
const maybe = available ? test : test.skip;
if (!available) console.warn(`skipping pip tests: ${PYTHON} lacks ensurepip, pip, setuptools or wheel`);

const model = modelSpec('m', 'm/predict.py', { requirements: 'm/requirements.txt' });
const FILES = ['m/predict.py', 'm/requirements.txt', 'm/tinypkg/setup.py', 'm/tinypkg/tinypkg/__init__.py'];

function pipRepo(): Repo {
  const r = repo();
  r.write('m/predict.py', 'import tinypkg\ndef predict(x):\n    return tinypkg.VALUE\n');
  r.write('m/requirements.txt', '--no-index\n./tinypkg  # a local package\n');
  r.write('m/tinypkg/setup.py', 'from setuptools import setup\nsetup(name="tinypkg", version="0.1", packages=["tinypkg"])\n');
  r.write('m/tinypkg/tinypkg/__init__.py', 'VALUE = 42\n');
  return r;
}

function build(r: Repo, number: number, python = PYTHON): Promise<BuildOutcome> {
  const key = buildKey(r.entries(...FILES), { file: 'm/predict.py', requirements: 'm/requirements.txt' });
  return createSnapshotBuilder({ stateDir: r.stateDir, python }).build({ root: r.root, model, key, number });
}

async function served(r: Repo, number: number): Promise<{ value: string; deps: string | null; python: string }> {
  const folder = snapshotPaths(r.stateDir, 'm', number).folder;
  const info = await readBuildInfo(folder);
  if (!info.ok) throw new Error(info.message);
  const value = execFileSync(info.info.python, ['-c', 'import predict; print(predict.predict(None))'], { cwd: folder, encoding: 'utf8' });
  return { value: value.trim(), deps: info.info.deps, python: info.info.python };
}

const log = (r: Repo, number: number) => readFileSync(snapshotPaths(r.stateDir, 'm', number).log, 'utf8');

maybe('a local package from requirements.txt is installed once and reinstalled when it changes', async () => {
  const r = pipRepo();
  try {
    const first = await build(r, 1);
    assert.ok(first.ok, first.ok ? '' : `${first.message}\n${first.errorTail}`);
    assert.match(log(r, 1), /\[pip\] Successfully installed tinypkg-0\.1/);
    const one = await served(r, 1);
    assert.is(one.value, '42');

    r.write('m/predict.py', 'import tinypkg\ndef predict(x):\n    return tinypkg.VALUE + 1\n');
    const second = await build(r, 2);
    assert.ok(second.ok);
    assert.not.match(log(r, 2), /\[pip\]/, 'a code-only change does not run pip');
    const two = await served(r, 2);
    assert.equal([two.value, two.deps], ['43', one.deps]);

    r.write('m/tinypkg/tinypkg/__init__.py', 'VALUE = 100\n');
    const third = await build(r, 3);
    assert.ok(third.ok);
    assert.match(log(r, 3), /\[pip\] Successfully installed tinypkg-0\.1/, 'a changed local package is reinstalled');
    const three = await served(r, 3);
    assert.equal([three.value === '101', three.deps === one.deps], [true, false]);
  } finally {
    r.remove();
  }
});

maybe('a requirement pip cannot find fails the build naming pip', async () => {
  const r = pipRepo();
  try {
    r.write('m/requirements.txt', '--no-index\nslipway-no-such-package==1.0\n');
    const failed = await build(r, 1);
    assert.not.ok(failed.ok);
    if (failed.ok) return;
    assert.is(failed.message, 'requirements install failed (pip exited 1)');
    assert.match(failed.errorTail, /\[pip\] .*slipway-no-such-package/);
    assert.not.ok(existsSync(snapshotPaths(r.stateDir, 'm', 1).folder));
    assert.equal(readdirSync(join(r.stateDir, 'deps')), [], 'the failed venv is removed');
  } finally {
    r.remove();
  }
});

maybe('a python without ensurepip gets a venv without pip and uses its own pip', async () => {
  const r = pipRepo();
  try {
    // Behaves as Debian's python3 does when python3-venv is not installed.
    const python = join(r.outside, 'python3');
    writeFileSync(
      python,
      [
        '#!/bin/sh',
        `for arg in "$@"; do [ "$arg" = --without-pip ] && exec "${PYTHON}" "$@"; done`,
        'if [ "$1" = -m ] && [ "$2" = venv ]; then',
        '  echo "The virtual environment was not created successfully because ensurepip is not" >&2',
        '  echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv package" >&2',
        '  exit 1',
        'fi',
        `exec "${PYTHON}" "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(python, 0o755);
    const built = await build(r, 1, python);
    assert.ok(built.ok, built.ok ? '' : `${built.message}\n${built.errorTail}`);
    assert.match(log(r, 1), /ensurepip is not available/);
    assert.match(log(r, 1), /\[pip\] Successfully installed tinypkg-0\.1/);
    const one = await served(r, 1);
    assert.is(one.value, '42');
    const pip = execFileSync(join(one.python, '..', 'pip'), ['--version'], { encoding: 'utf8' });
    assert.match(pip, /^pip /, 'pip in the venv works for build scripts');
  } finally {
    r.remove();
  }
});

test.run();
