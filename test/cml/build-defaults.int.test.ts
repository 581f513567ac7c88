// Build settings under `defaults.build`, each falling back on its own, and `false` switching a
// default requirements file or build script off; with the project root as context only CML's
// `cdsw-build.sh` is the default script.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSpec } from '../../src/spec/load.ts';
import { formatIssue } from '../../src/spec/format.ts';
import { gitFixture } from '../support/git-fixture.ts';

const files: Record<string, string> = {
  'models/predict.py': 'def predict(args):\n    return args\n',
  'other/score.py': 'def score(args):\n    return args\n',
  'other/build.sh': 'echo other\n',
  'requirements.txt': 'numpy\n',
  'cdsw-build.sh': 'pip3 install -r requirements.txt\n',
  'build.sh': 'echo not CML\n',
};

test('defaults.build applies per setting; false switches a default off; the root script is cdsw-build.sh', async () => {
  const fx = gitFixture();
  try {
    for (const [file, content] of Object.entries(files)) fx.write(file, content);
    fx.write(
      'models.yaml',
      `version: 1
project: p
defaults:
  build:
    context: .
    script: false
models:
  - name: rooted
    file: models/predict.py
    function: predict
  - name: with-script
    file: models/predict.py
    function: predict
    build:
      script: cdsw-build.sh
      requirements: false
  - name: own-context
    file: other/score.py
    function: score
    build:
      context: other
  - name: root-default-script
    file: models/predict.py
    function: predict
    build:
      script: build.sh
`,
    );
    const loaded = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map(formatIssue).join('\n'));
    if (!loaded.ok) return;
    const builds = Object.fromEntries(loaded.spec.models.map((m) => [m.name, [m.build.context, m.build.requirements, m.build.script]]));
    assert.equal(builds, {
      rooted: ['.', 'requirements.txt', null],
      'with-script': ['.', null, 'cdsw-build.sh'],
      'own-context': ['other', null, null],
      'root-default-script': ['.', 'requirements.txt', 'build.sh'],
    });

    fx.write('models.yaml', 'version: 1\nproject: p\ndefaults:\n  build:\n    context: .\nmodels:\n  - name: rooted\n    file: models/predict.py\n    function: predict\n');
    const cml = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root });
    assert.ok(cml.ok);
    if (cml.ok) assert.is(cml.spec.models[0]!.build.script, 'cdsw-build.sh', 'at the project root, build.sh is not a default script');
  } finally {
    fx.remove();
  }
});

test('a bad defaults.build.context is reported where it is written', async () => {
  const fx = gitFixture();
  try {
    for (const [file, content] of Object.entries(files)) fx.write(file, content);
    fx.write('models.yaml', 'version: 1\nproject: p\ndefaults:\n  build:\n    context: nowhere\nmodels:\n  - name: m\n    file: models/predict.py\n    function: predict\n');
    const loaded = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root, displayPath: 'models.yaml' });
    assert.not.ok(loaded.ok);
    if (loaded.ok) return;
    assert.equal(loaded.errors.map(formatIssue), [
      'models.yaml:5:14 defaults.build.context: "nowhere" does not exist (looked for nowhere in the repository)',
    ]);
  } finally {
    fx.remove();
  }
});

test.run();
