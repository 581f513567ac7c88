import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBuildInfo } from '../../src/build/build-info.ts';
import { probeInterpreter } from '../../src/source/interpreter-probe.ts';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { buildKey, executableOf, listTree, modelSpec, repo, type Repo } from './fixture.ts';

/** A model in models/iris that reads a file of its context and imports a shared module. */
function irisRepo(): Repo {
  const r = repo();
  r.write(
    'models/iris/predict.py',
    [
      'import json',
      'from sub.helper import double',
      'from shared.util import PREFIX',
      'PARAMS = json.load(open("params.json"))',
      'def predict(x):',
      '    return PREFIX + str(double(PARAMS["slope"]))',
      '',
    ].join('\n'),
  );
  r.write('models/iris/params.json', '{"slope": 21}\n');
  r.write('models/iris/sub/helper.py', 'def double(v):\n    return 2 * v\n');
  r.write('models/iris/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  r.write('models/iris/weights.bin', 'ignored by .gitignore');
  r.write('models/iris/notes.txt', 'not in the key');
  r.write('shared/util.py', 'PREFIX = "answer="\n');
  r.write('README.md', 'outside the context');
  return r;
}

function irisKey(r: Repo) {
  const files = r.entries('models/iris/params.json', 'models/iris/predict.py', 'models/iris/run.sh', 'models/iris/sub/helper.py', 'shared/util.py');
  return buildKey(files, { file: 'models/iris/predict.py' });
}

const iris = modelSpec('iris', 'models/iris/predict.py', { include: ['shared'] });

test('a build folder holds exactly the manifest, laid out from the context, plus build.json', async () => {
  const r = irisRepo();
  try {
    const key = irisKey(r);
    const lines: string[] = [];
    const outcome = await createSnapshotBuilder({ stateDir: r.stateDir }).build({
      root: r.root,
      model: iris,
      key,
      number: 1,
      log: (line) => lines.push(line),
    });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    const paths = snapshotPaths(r.stateDir, 'iris', 1);
    assert.is(outcome.artifact, paths.folder);
    assert.is(outcome.logPath, paths.log);
    assert.equal(listTree(paths.folder), ['build.json', 'params.json', 'predict.py', 'run.sh', 'shared/util.py', 'sub/helper.py']);
    assert.is(readFileSync(join(paths.folder, 'params.json'), 'utf8'), '{"slope": 21}\n');
    // Files are hard links into the content store, read-only so no build can change another's.
    assert.is(statSync(join(paths.folder, 'run.sh')).mode & 0o777, 0o500, 'the executable bit is kept, for the owner only (.slipway is private)');
    assert.is(statSync(join(paths.folder, 'predict.py')).mode & 0o777, 0o400);
    assert.ok(statSync(join(paths.folder, 'predict.py')).nlink >= 2, 'linked from the content store');
    assert.equal(readdirSync(join(r.stateDir, 'builds', 'iris')).sort(), ['1', '1.log'], 'no temp folder is left');

    const info = await readBuildInfo(paths.folder);
    assert.ok(info.ok);
    if (!info.ok) return;
    // The interpreter it was built on is recorded, as the plan's key has it.
    const probed = await probeInterpreter('python3', r.root);
    assert.ok(probed.ok);
    if (!probed.ok) return;
    assert.equal(
      { ...info.info, createdAt: 'x' },
      {
        format: 1,
        model: 'iris',
        number: 1,
        key: key.key,
        runtime: 'python3',
        file: 'predict.py',
        function: 'predict',
        python: executableOf('python3', r.root),
        interpreter: probed.identity,
        deps: null,
        createdAt: 'x',
      },
    );
    // The layout works the way the runtime uses it: cwd = build folder, file imported from there.
    const answer = execFileSync(info.info.python, ['-c', 'import predict; print(predict.predict(None))'], {
      cwd: paths.folder,
      encoding: 'utf8',
    });
    assert.is(answer.trim(), 'answer=42');

    const log = readFileSync(paths.log, 'utf8').trim().split('\n');
    assert.equal(lines, log, 'req.log gets every line of the log file');
    assert.ok(log.every((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(line)), 'every line is timestamped');
    assert.match(log.join('\n'), /checking out 5 files/);
  } finally {
    r.remove();
  }
});

test('a file changed after planning fails the build and leaves no build folder', async () => {
  const r = irisRepo();
  try {
    const key = irisKey(r);
    r.write('models/iris/sub/helper.py', 'def double(v):\n    return 3 * v\n');
    const outcome = await createSnapshotBuilder({ stateDir: r.stateDir }).build({ root: r.root, model: iris, key, number: 1 });
    assert.not.ok(outcome.ok);
    if (outcome.ok) return;
    assert.match(outcome.message, /models\/iris\/sub\/helper\.py changed after planning/);
    assert.match(outcome.errorTail, /changed after planning/);
    assert.is(outcome.logPath, snapshotPaths(r.stateDir, 'iris', 1).log);
    assert.equal(readdirSync(join(r.stateDir, 'builds', 'iris')), ['1.log']);
  } finally {
    r.remove();
  }
});

test('a file that vanished after planning fails the build', async () => {
  const r = irisRepo();
  try {
    const key = irisKey(r);
    rmSync(join(r.root, 'models/iris/params.json'));
    const outcome = await createSnapshotBuilder({ stateDir: r.stateDir }).build({ root: r.root, model: iris, key, number: 1 });
    assert.not.ok(outcome.ok);
    if (!outcome.ok) assert.match(outcome.message, /models\/iris\/params\.json was planned but is missing/);
  } finally {
    r.remove();
  }
});

/** Builds `files` (entries given by hand) and returns the failure message. */
async function refusal(r: Repo, files: Array<{ path: string; blob: string }>): Promise<string> {
  const key = buildKey(files, { file: 'm/predict.py' });
  const outcome = await createSnapshotBuilder({ stateDir: r.stateDir }).build({
    root: r.root,
    model: modelSpec('m', 'm/predict.py'),
    key,
    number: 1,
  });
  assert.not.ok(outcome.ok, 'the build must fail');
  assert.not.ok(existsSync(snapshotPaths(r.stateDir, 'm', 1).folder), 'no build folder');
  assert.equal(readdirSync(join(r.stateDir, 'builds', 'm')), ['1.log'], 'no temp folder');
  return outcome.ok ? '' : outcome.message;
}

test('paths with .., absolute paths and links out of the repository are refused', async () => {
  const r = repo();
  try {
    r.write('m/predict.py', 'def predict(x):\n    return x\n');
    writeFileSync(join(r.outside, 'secret.py'), 'SECRET = 1\n');
    const predict = r.entries('m/predict.py');
    const secretBlob = r.git('hash-object', join(r.outside, 'secret.py'));

    assert.match(await refusal(r, [...predict, { path: 'm/../../outside/secret.py', blob: secretBlob }]), /goes up with "\.\."/);
    assert.match(await refusal(r, [...predict, { path: join(r.outside, 'secret.py'), blob: secretBlob }]), /is absolute/);

    r.link('m/absolute.py', join(r.outside, 'secret.py'));
    assert.match(await refusal(r, [...predict, ...r.entries('m/absolute.py')]), /points to the absolute path/);
    rmSync(join(r.root, 'm/absolute.py'));

    r.link('m/relative.py', '../../outside/secret.py');
    assert.match(await refusal(r, [...predict, ...r.entries('m/relative.py')]), /leads out of the repository/);
    rmSync(join(r.root, 'm/relative.py'));

    // A folder link: git would store the link itself, never files under it.
    symlinkSync(r.outside, join(r.root, 'm/lib'));
    assert.match(await refusal(r, [...predict, { path: 'm/lib/secret.py', blob: secretBlob }]), /lies under a symlinked folder/);
    rmSync(join(r.root, 'm/lib'));

    // A link that stays in the repository but would point elsewhere once the context is the root.
    r.write('other/data.json', '{}\n');
    r.link('m/data.json', '../other/data.json');
    assert.match(await refusal(r, [...predict, ...r.entries('m/data.json', 'other/data.json')]), /would point elsewhere in the build folder/);
  } finally {
    r.remove();
  }
});

test('a relative link within the context is recreated as a link', async () => {
  const r = irisRepo();
  try {
    r.link('models/iris/alias.json', 'params.json');
    const files = r.entries('models/iris/alias.json', 'models/iris/params.json', 'models/iris/predict.py', 'models/iris/sub/helper.py', 'shared/util.py');
    const outcome = await createSnapshotBuilder({ stateDir: r.stateDir }).build({
      root: r.root,
      model: iris,
      key: buildKey(files, { file: 'models/iris/predict.py' }),
      number: 1,
    });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    const alias = join(snapshotPaths(r.stateDir, 'iris', 1).folder, 'alias.json');
    assert.ok(lstatSync(alias).isSymbolicLink());
    assert.is(readlinkSync(alias), 'params.json');
    assert.is(readFileSync(alias, 'utf8'), '{"slope": 21}\n');
  } finally {
    r.remove();
  }
});

test('a build folder is never overwritten: a second build of the same number is refused', async () => {
  const r = irisRepo();
  try {
    const builder = createSnapshotBuilder({ stateDir: r.stateDir });
    const first = await builder.build({ root: r.root, model: iris, key: irisKey(r), number: 1 });
    assert.ok(first.ok);
    const paths = snapshotPaths(r.stateDir, 'iris', 1);
    const infoBefore = readFileSync(join(paths.folder, 'build.json'), 'utf8');
    const logBefore = readFileSync(paths.log, 'utf8');

    r.write('models/iris/params.json', '{"slope": 1}\n');
    const second = await builder.build({ root: r.root, model: iris, key: irisKey(r), number: 1 });
    assert.not.ok(second.ok);
    if (!second.ok) assert.match(second.message, /build iris #1 already exists .*builds are immutable/);
    assert.is(readFileSync(join(paths.folder, 'params.json'), 'utf8'), '{"slope": 21}\n');
    assert.is(readFileSync(join(paths.folder, 'build.json'), 'utf8'), infoBefore);
    assert.is(readFileSync(paths.log, 'utf8'), logBefore, 'the log of the existing build is kept');

    const next = await builder.build({ root: r.root, model: iris, key: irisKey(r), number: 2 });
    assert.ok(next.ok);
    assert.is(readFileSync(join(snapshotPaths(r.stateDir, 'iris', 2).folder, 'params.json'), 'utf8'), '{"slope": 1}\n');
  } finally {
    r.remove();
  }
});

test('files that would land on the same place in the build folder are refused', async () => {
  const r = repo();
  try {
    r.write('m/predict.py', 'def predict(x):\n    return x\n');
    r.write('m/shared/util.py', 'A = 1\n');
    r.write('shared/util.py', 'A = 2\n');
    const message = await refusal(r, r.entries('m/predict.py', 'm/shared/util.py', 'shared/util.py'));
    assert.match(message, /m\/shared\/util\.py and shared\/util\.py would both be shared\/util\.py/);
  } finally {
    r.remove();
  }
});

test.run();
