import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layoutSnapshot, repoPathProblem, targetOf } from '../../src/build/snapshot-layout.ts';
import type { KeyInputs } from '../../src/source/types.ts';

const blob = 'a'.repeat(40);

function inputs(paths: string[], extra: Partial<KeyInputs> = {}): KeyInputs {
  return {
    files: paths.map((path) => ({ path, blob })),
    requirements: null,
    script: null,
    file: 'models/iris/predict.py',
    function: 'predict',
    runtime: 'python3',
    baseImage: null,
    defaultBaseImage: null,
    runtimeVersion: '1',
    ...extra,
  };
}

test('files under the context go to the root; others keep their repository path', () => {
  assert.is(targetOf('models/iris/predict.py', 'models/iris'), 'predict.py');
  assert.is(targetOf('models/iris/data/x.csv', 'models/iris'), 'data/x.csv');
  assert.is(targetOf('models/iris-2/x.py', 'models/iris'), 'models/iris-2/x.py');
  assert.is(targetOf('shared/util.py', 'models/iris'), 'shared/util.py');
  assert.is(targetOf('predict.py', ''), 'predict.py');
});

test('a layout places every file and names the entry file, requirements and script', () => {
  const placed = layoutSnapshot(
    inputs(['models/iris/build.sh', 'models/iris/predict.py', 'reqs/iris.txt', 'shared/util.py'], {
      requirements: { path: 'reqs/iris.txt', blob },
      script: { path: 'models/iris/build.sh', blob },
    }),
    './models/iris/',
  );
  assert.ok(placed.ok);
  if (!placed.ok) return;
  assert.equal(placed.layout.files.map((file) => file.target), ['build.sh', 'predict.py', 'reqs/iris.txt', 'shared/util.py']);
  assert.is(placed.layout.file, 'predict.py');
  assert.is(placed.layout.requirements?.target, 'reqs/iris.txt');
  assert.is(placed.layout.script?.target, 'build.sh');
});

test('paths that are not plain paths inside the repository are refused', () => {
  assert.match(repoPathProblem('a/../b') ?? '', /goes up/);
  assert.match(repoPathProblem('/etc/passwd') ?? '', /absolute/);
  assert.match(repoPathProblem('a//b') ?? '', /not normalized/);
  assert.match(repoPathProblem('./a') ?? '', /not normalized/);
  assert.match(repoPathProblem('.git/config') ?? '', /inside \.git/);
  assert.is(repoPathProblem('a/.gitignore'), null);
  const placed = layoutSnapshot(inputs(['models/iris/predict.py', '../x.py']), 'models/iris');
  assert.equal(placed.ok ? '' : placed.message, 'refusing build file "../x.py" goes up with "..": builds take only files inside the repository');
  const context = layoutSnapshot(inputs(['models/iris/predict.py']), '../elsewhere');
  assert.match(context.ok ? '' : context.message, /build context "\.\.\/elsewhere" goes up/);
});

test('clashes, a file named build.json at the root and missing entry files are refused', () => {
  const same = layoutSnapshot(inputs(['models/iris/predict.py', 'models/iris/util.py', 'util.py']), 'models/iris');
  assert.match(same.ok ? '' : same.message, /models\/iris\/util\.py and util\.py would both be util\.py/);
  const folder = layoutSnapshot(inputs(['models/iris/predict.py', 'models/iris/shared', 'shared/util.py']), 'models/iris');
  assert.match(folder.ok ? '' : folder.message, /models\/iris\/shared would be shared, a folder shared\/util\.py needs/);
  const reserved = layoutSnapshot(inputs(['models/iris/predict.py', 'models/iris/build.json']), 'models/iris');
  assert.match(reserved.ok ? '' : reserved.message, /models\/iris\/build\.json would be build\.json/);
  const missing = layoutSnapshot(inputs(['models/iris/other.py']), 'models/iris');
  assert.is(missing.ok ? '' : missing.message, "the model file models/iris/predict.py is not among the build's files");
  const script = layoutSnapshot(inputs(['models/iris/predict.py'], { script: { path: 'models/iris/build.sh', blob } }), 'models/iris');
  assert.is(script.ok ? '' : script.message, "the build script models/iris/build.sh is not among the build's files");
});

test.run();
