// Dependencies with the default interpreter (`python3`): a build script that
// installs a module into the venv, reused across code-only changes.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBuildInfo } from '../../src/build/build-info.ts';
import type { BuildOutcome } from '../../src/build/builder.ts';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { buildKey, listTree, modelSpec, repo, type Repo } from './fixture.ts';

// Writes a module into the venv's site-packages, which only a venv-local install can do.
const SCRIPT = [
  'set -e',
  'echo "installing marker into $VIRTUAL_ENV"',
  'site=$(python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")',
  'echo "RUN = \'$RANDOM$RANDOM\'" > "$site/slipway_marker.py"',
  'echo scratch > written-by-script.txt',
  '',
].join('\n');

const model = modelSpec('m', 'm/predict.py', { script: 'm/build.sh' });

function modelRepo(): Repo {
  const r = repo();
  r.write('m/predict.py', 'import slipway_marker\ndef predict(x):\n    return slipway_marker.RUN\n');
  r.write('m/build.sh', SCRIPT);
  return r;
}

async function buildNumber(r: Repo, number: number): Promise<BuildOutcome> {
  const key = buildKey(r.entries('m/build.sh', 'm/predict.py'), { file: 'm/predict.py', script: 'm/build.sh' });
  return createSnapshotBuilder({ stateDir: r.stateDir }).build({ root: r.root, model, key, number });
}

async function depsOf(r: Repo, number: number) {
  const info = await readBuildInfo(snapshotPaths(r.stateDir, 'm', number).folder);
  if (!info.ok) throw new Error(info.message);
  return info.info;
}

function markerOf(python: string, cwd: string): string {
  return execFileSync(python, ['-c', 'import predict; print(predict.predict(None))'], { cwd, encoding: 'utf8' }).trim();
}

test('the build script runs once per dependency hash; a code-only change reuses the venv', async () => {
  const r = modelRepo();
  try {
    const first = await buildNumber(r, 1);
    assert.ok(first.ok, first.ok ? '' : `${first.message}\n${first.errorTail}`);
    const info1 = await depsOf(r, 1);
    assert.type(info1.deps, 'string');
    const depsFolder = join(r.stateDir, 'deps', info1.deps!);
    assert.is(info1.python, join(depsFolder, 'venv', 'bin', 'python'));
    const folder1 = snapshotPaths(r.stateDir, 'm', 1).folder;
    assert.equal(listTree(folder1), ['build.json', 'build.sh', 'predict.py'], 'what the script writes stays out of the build');
    assert.ok(existsSync(join(depsFolder, 'work', 'written-by-script.txt')), 'the script ran in the deps work folder');
    const log1 = readFileSync(snapshotPaths(r.stateDir, 'm', 1).log, 'utf8');
    assert.match(log1, /\[build\.sh\] installing marker into /);
    const run1 = markerOf(info1.python, folder1);
    const marker = join(depsFolder, 'complete.json');
    const markerStat = statSync(marker);
    const markerText = readFileSync(marker, 'utf8');

    r.write('m/predict.py', 'import slipway_marker\ndef predict(x):\n    return slipway_marker.RUN  # edited\n');
    const second = await buildNumber(r, 2);
    assert.ok(second.ok, second.ok ? '' : second.message);
    const info2 = await depsOf(r, 2);
    assert.is(info2.deps, info1.deps);
    assert.is(info2.python, info1.python);
    const log2 = readFileSync(snapshotPaths(r.stateDir, 'm', 2).log, 'utf8');
    assert.not.match(log2, /\[build\.sh\]/, 'the script did not run again');
    assert.not.match(log2, /\[venv\]/, 'no new venv');
    assert.match(log2, /reusing dependencies [0-9a-f]{12} \(installed for m #1\)/);
    // Not written again (same content, same install time inside), only touched: reuse marks the
    // folder as used, so `slipway prune` spares it.
    assert.is(readFileSync(marker, 'utf8'), markerText);
    assert.ok(statSync(marker).mtimeMs >= markerStat.mtimeMs);
    assert.is(markerOf(info2.python, snapshotPaths(r.stateDir, 'm', 2).folder), run1, 'the same installed module');

    r.write('m/build.sh', `${SCRIPT}echo changed\n`);
    const third = await buildNumber(r, 3);
    assert.ok(third.ok, third.ok ? '' : third.message);
    const info3 = await depsOf(r, 3);
    assert.is.not(info3.deps, info1.deps);
    assert.match(readFileSync(snapshotPaths(r.stateDir, 'm', 3).log, 'utf8'), /\[build\.sh\] changed/);
    assert.is.not(markerOf(info3.python, snapshotPaths(r.stateDir, 'm', 3).folder), run1, 'the script ran into a new venv');
    assert.equal(readdirSync(join(r.stateDir, 'deps')).sort(), [info1.deps, info3.deps].sort());
    assert.ok(existsSync(info1.python), 'the old deps stay for builds 1 and 2');
  } finally {
    r.remove();
  }
});

test('a failing build script fails the build with its tail, and leaves no build or deps folder', async () => {
  const r = modelRepo();
  try {
    const good = await buildNumber(r, 1);
    assert.ok(good.ok);
    const before = listTree(snapshotPaths(r.stateDir, 'm', 1).folder);
    const depsBefore = readdirSync(join(r.stateDir, 'deps'));

    r.write('m/build.sh', 'echo "step one"\necho "no such package: frobnicate" >&2\nexit 2\n');
    const lines: string[] = [];
    const key = buildKey(r.entries('m/build.sh', 'm/predict.py'), { file: 'm/predict.py', script: 'm/build.sh' });
    const failed = await createSnapshotBuilder({ stateDir: r.stateDir }).build({
      root: r.root,
      model,
      key,
      number: 2,
      log: (line) => lines.push(line),
    });
    assert.not.ok(failed.ok);
    if (failed.ok) return;
    assert.is(failed.message, 'build script build.sh exited with 2');
    assert.match(failed.errorTail, /\[build\.sh\] no such package: frobnicate/);
    assert.match(failed.errorTail, /build failed: build script build\.sh exited with 2/);
    assert.ok(failed.errorTail.split('\n').length <= 20);
    assert.is(failed.logPath, snapshotPaths(r.stateDir, 'm', 2).log);
    assert.match(lines.join('\n'), /step one/);
    assert.not.ok(existsSync(snapshotPaths(r.stateDir, 'm', 2).folder));
    assert.equal(readdirSync(join(r.stateDir, 'builds', 'm')).sort(), ['1', '1.log', '2.log']);
    assert.equal(readdirSync(join(r.stateDir, 'deps')), depsBefore, 'the failed install was removed, the good one kept');
    assert.equal(listTree(snapshotPaths(r.stateDir, 'm', 1).folder), before, 'other builds are untouched');
  } finally {
    r.remove();
  }
});

test('two builds needing the same dependencies at once install them once', async () => {
  const r = modelRepo();
  try {
    r.write('n/predict.py', 'import slipway_marker\ndef predict(x):\n    return slipway_marker.RUN\n');
    r.write('n/build.sh', SCRIPT);
    const builder = createSnapshotBuilder({ stateDir: r.stateDir });
    const keyOf = (folder: string) =>
      buildKey(r.entries(`${folder}/build.sh`, `${folder}/predict.py`), { file: `${folder}/predict.py`, script: `${folder}/build.sh` });
    const other = modelSpec('n', 'n/predict.py', { script: 'n/build.sh' });
    const outcomes = await Promise.all([
      builder.build({ root: r.root, model, key: keyOf('m'), number: 1 }),
      builder.build({ root: r.root, model: other, key: keyOf('n'), number: 1 }),
    ]);
    assert.ok(outcomes.every((outcome) => outcome.ok));
    const logs = outcomes.map((outcome) => readFileSync(outcome.logPath, 'utf8'));
    assert.is(logs.filter((text) => /\[build\.sh\]/.test(text)).length, 1, 'the script ran for one build only');
    assert.is(logs.filter((text) => /reusing dependencies/.test(text)).length, 1);
    const [m, n] = [await depsOf(r, 1), await readBuildInfo(snapshotPaths(r.stateDir, 'n', 1).folder)];
    assert.ok(n.ok);
    assert.is(n.ok ? n.info.python : '', m.python);
    assert.equal(readdirSync(join(r.stateDir, 'deps')), [m.deps], 'no lock or temp file is left');
  } finally {
    r.remove();
  }
});

test.run();
