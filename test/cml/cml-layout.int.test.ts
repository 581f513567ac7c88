// A project laid out as CML lays it out (model in a subfolder, `src/` and the artifact at the root)
// validates, applies locally and answers the CML way, once `build.context: .` makes the project
// root the build; without it, validate names the import that reaches outside the build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cmlLayoutFiles } from '../support/cml-layout-project.ts';
import { localProject } from '../support/local-daemon.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { slipway } from '../support/cli.ts';

test('validate: an import of a root folder outside the build context is an error at its line, with the fix', () => {
  const fx = gitFixture();
  try {
    for (const [file, content] of Object.entries(cmlLayoutFiles({ context: false }))) fx.write(file, content);
    fx.commitAll('cml project');
    const run = slipway(fx.root, ['validate']);
    assert.is(run.status, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      'models/predict.py:3:1: import "src.features" needs src/, which is outside this model\'s build context models/, so the model would fail at import; set build.context: .',
    );
    // json and os are the standard library's, and nothing else is flagged.
    assert.is(run.stderr.split('needs ').length - 1, 1, run.stderr);

    fx.write('models.yaml', cmlLayoutFiles()['models.yaml']!);
    const fixed = slipway(fx.root, ['validate']);
    assert.is(fixed.status, 0, fixed.stdout + fixed.stderr);
  } finally {
    fx.remove();
  }
});

test('apply: a project-rooted model imports src/ and opens its artifact from the root, called the CML way', async () => {
  const p = await localProject(cmlLayoutFiles());
  try {
    const applied = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(applied.status, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, 'example 1: pass');
    const log = readFileSync(path.join(p.root, '.slipway', 'builds', 'churn', '1.log'), 'utf8');
    assert.match(log, 'build script cdsw-build.sh installs requirements.txt itself (pip install -r), as in CML: Slipway does not install it again');
    assert.not.match(log, 'installing requirements.txt with pip');
    assert.match(log, /\[cdsw-build\.sh\] Requirement already satisfied: numpy/);
    assert.match(log, '[cdsw-build.sh] built for staging', 'the build script saw the project env');
    const python = execFileSync('python3', ['-c', 'import sys, platform; print(platform.python_version(), sys.executable)'], { encoding: 'utf8' }).trim().split(' ');
    const status = await p.status();
    assert.is((status.models[0] as { python?: string }).python, `${python[0]} (${python[1]})`, 'status names the interpreter');
    assert.match(await p.ok('status'), `python ${python[0]} (${python[1]})`);
    const answer = await p.cml(p.accessKey('churn'), { x: 5 });
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.response, { score: 16, root: true });
  } finally {
    await p.cleanup();
  }
});

test.run();
