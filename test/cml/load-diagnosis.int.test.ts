// When a model fails at import because of its environment, apply says so and names the package;
// warnings a model emits while loading (scikit-learn's version warning) show in apply's output.
// Real artifacts made by real Python: a pickle whose class lives in a module the build lacks, and
// a scikit-learn estimator whose recorded version differs from the installed one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const SYSTEM = '/usr/bin/python3';

function hasSklearn(): boolean {
  try {
    execFileSync(SYSTEM, ['-c', 'import sklearn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const sklearn = hasSklearn();
if (!sklearn && process.env.CI === 'true') throw new Error(`${SYSTEM} lacks scikit-learn: apt-get install -y python3-sklearn`);

/** A pickle of an object whose class is in `trainlib_for_slipway`, a module only the training had. */
function orphanPickle(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-train-'));
  try {
    writeFileSync(path.join(dir, 'trainlib_for_slipway.py'), 'class Scaler:\n    factor = 2\n');
    return execFileSync('python3', ['-c', 'import pickle, sys, trainlib_for_slipway as t; sys.stdout.buffer.write(pickle.dumps(t.Scaler()))'], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fitted estimator pickled as if by another scikit-learn: the installed version and the one written in. */
function skewedEstimator(): { pickle: Buffer; installed: string; recorded: string } {
  const installed = execFileSync(SYSTEM, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' }).trim();
  // Same length, so the pickle's string length prefixes stay right.
  const recorded = `${installed.slice(0, -1)}${(Number(installed.at(-1)) + 1) % 10}`;
  const script = [
    'import pickle, sys, sklearn',
    'from sklearn.tree import DecisionTreeClassifier',
    'est = DecisionTreeClassifier().fit([[0], [1]], [0, 1])',
    'data = pickle.dumps(est)',
    `sys.stdout.buffer.write(data.replace(sklearn.__version__.encode(), ${JSON.stringify(recorded)}.encode()))`,
  ].join('\n');
  return { pickle: execFileSync(SYSTEM, ['-c', script]), installed, recorded };
}

const LOADER = 'import pickle\n\nwith open("model.pkl", "rb") as f:\n    MODEL = pickle.load(f)\n\n\ndef predict(args):\n    return int(MODEL.predict([[args["x"]]])[0])\n';

test('an artifact that needs a missing module: apply names the module and the environment as the cause', async () => {
  const p = await localProject({
    'models.yaml': 'version: 1\nproject: diag\nmodels:\n  - name: orphan\n    file: m/predict.py\n    function: predict\n    auth: false\n',
    'm/predict.py': LOADER,
  });
  try {
    writeFileSync(path.join(p.root, 'm', 'model.pkl'), orphanPickle());
    p.fx.commitAll('artifact');
    const run = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, "ModuleNotFoundError: No module named 'trainlib_for_slipway'");
    assert.match(
      run.stdout,
      'The environment is the likely cause: the artifact could not be unpickled (it needs trainlib_for_slipway, which is not installed).',
    );
    assert.not.match(run.stdout, "Fix the error above in the model's file");
  } finally {
    await p.cleanup();
  }
});

(sklearn ? test : test.skip)('a version warning while loading shows in apply, with the versions found and wanted', async () => {
  const skew = skewedEstimator();
  const p = await localProject({
    'models.yaml': `version: 1\nproject: diag\nmodels:\n  - name: tree\n    file: m/predict.py\n    function: predict\n    auth: false\n    build: {python: ${SYSTEM}}\n    example: {input: {"x": 1}, output: 1}\n`,
    'm/predict.py': LOADER,
  });
  try {
    writeFileSync(path.join(p.root, 'm', 'model.pkl'), skew.pickle);
    p.fx.commitAll('artifact');
    const run = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, 'example 1: pass');
    assert.match(run.stdout, `warning while loading: `);
    assert.match(
      run.stdout,
      `The environment is the likely cause: scikit-learn is not the version the artifact was made with (scikit-learn ${skew.installed} is installed, the artifact was made with ${skew.recorded}). Pin scikit-learn==${skew.recorded}`,
    );
  } finally {
    await p.cleanup();
  }
});

test.run();
