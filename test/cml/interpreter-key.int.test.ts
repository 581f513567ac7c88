// The interpreter is part of a local build's key: real interpreters of this machine, probed once
// each per plan, and a changed `build.python` plans a rebuild with the versions in its reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import { computeBuildKeys } from '../../src/source/build-keys.ts';
import { probeInterpreter } from '../../src/source/interpreter-probe.ts';
import { withInterpreters, type Prober } from '../../src/source/interpreter-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import { loadSpec } from '../../src/spec/load.ts';
import type { Spec } from '../../src/spec/types.ts';
import type { BuildKeys } from '../../src/source/types.ts';
import { applied, build, observed, observedModel } from '../plan/factories.ts';
import { gitFixture } from '../support/git-fixture.ts';

/**
 * Two different interpreters: Debian's, and `python3` on PATH (here pyenv's 3.11.7), or, where
 * that is Debian's too, a virtualenv made from it (another executable, same version).
 */
const SYSTEM = '/usr/bin/python3';
const available = existsSync(SYSTEM);
if (!available && process.env.CI === 'true') throw new Error(`these tests need ${SYSTEM} (apt-get install -y python3)`);
const run = available ? test : test.skip;
const version = (python: string) => execFileSync(python, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();

const fx = gitFixture();
fx.write('m/predict.py', 'def predict(args):\n    return args\n');
fx.commitAll('model');
const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-python-'));
test.after(() => {
  fx.remove();
  rmSync(scratch, { recursive: true, force: true });
});

function otherPython(): string {
  const onPath = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  if (onPath !== SYSTEM) return onPath;
  execFileSync(SYSTEM, ['-m', 'venv', '--without-pip', '--system-site-packages', path.join(scratch, 'venv')]);
  return path.join(scratch, 'venv', 'bin', 'python3');
}
const onPath = available ? otherPython() : '';

async function keysFor(yaml: string, probe?: Prober): Promise<{ spec: Spec; keys: BuildKeys }> {
  fx.write('models.yaml', yaml);
  const loaded = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const neutral = await computeBuildKeys(await openRepo(fx.root), loaded.spec);
  if (!neutral.ok) throw new Error(JSON.stringify(neutral.errors));
  const local = await withInterpreters(fx.root, loaded.spec, neutral.keys, probe);
  if (!local.ok) throw new Error(JSON.stringify(local.errors));
  return { spec: loaded.spec, keys: local.keys };
}

const models = (python: string) => `version: 1
project: p
defaults:
  build:
    python: ${python}
models:
  - {name: a, file: m/predict.py, function: predict}
  - {name: b, file: m/predict.py, function: predict}
  - {name: c, file: m/predict.py, function: predict, build: {python: ${SYSTEM}}}
`;

run('each distinct interpreter is probed once per plan, and its identity is in the key', async () => {
  const probed: string[] = [];
  const counting: Prober = (declared, cwd) => {
    probed.push(declared);
    return probeInterpreter(declared, cwd);
  };
  const { keys } = await keysFor(models(onPath), counting);
  assert.equal(probed.sort(), [SYSTEM, onPath].sort());
  assert.is(keys.a!.key, keys.b!.key);
  assert.is.not(keys.a!.key, keys.c!.key, 'another interpreter, another key');
  assert.is(keys.a!.inputs.python?.executable, onPath);
  assert.is(keys.c!.inputs.python?.version, version(SYSTEM));
  assert.match(keys.c!.inputs.python?.packages ?? '', /^[0-9a-f]{16}$/);
});

run('changing build.python plans a rebuild whose reason names both versions', async () => {
  const before = await keysFor(models(onPath));
  const after = await keysFor(models(SYSTEM));
  const seen = observedModel('a', { builds: [build(1, before.keys.a!.inputs)], deployment: applied(1, 1, after.spec.models[0]!.serving) });
  const change = plan({ ...after.spec, models: [after.spec.models[0]!] }, { a: after.keys.a! }, observed(seen)).changes[0]!;
  assert.is(change.action, 'rebuild');
  const [from, to] = [version(onPath), version(SYSTEM)];
  assert.equal(change.reasons, [from === to ? `python ${onPath} → ${SYSTEM}` : `python ${from} → ${to}`]);
});

run('a version finds its interpreter; one that is not installed is an error saying so', async () => {
  const wanted = version(SYSTEM).split('.').slice(0, 2).join('.');
  const found = await probeInterpreter(wanted, fx.root);
  assert.ok(found.ok, JSON.stringify(found));
  if (found.ok) assert.ok(found.identity.version.startsWith(`${wanted}.`));
  const missing = await probeInterpreter('2.1', fx.root);
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.match(missing.message, 'build.python "2.1" names no usable Python interpreter (python2.1: not found)');
});

test.run();
