// `slipway python -- script args` with a real python3: the runtime's cdsw module importable, the
// project's env (or a model's, global < project < model) set, the working directory unchanged,
// arguments and the exit code passed through, and clear errors for what is missing.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipway } from '../support/cli.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';

const modelsYaml = `version: 1
project: demo
env:
  STAGE: dev
  TOKEN:
    fromEnv: TOKEN_FOR_TESTS
models:
  - name: scorer
    file: models/score.py
    function: score
    env:
      STAGE: model
      ONLY_MODEL: "1"
  - name: pinned
    file: models/score.py
    function: score
    build:
      python: /nonexistent/python9
`;

const script = `import json, os, sys
import cdsw
print(json.dumps({
    "cwd": os.getcwd(),
    "argv": sys.argv[1:],
    "stage": os.environ.get("STAGE"),
    "only_model": os.environ.get("ONLY_MODEL"),
    "token": os.environ.get("TOKEN"),
    "sdk": callable(cdsw.track_file),
}))
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
`;

function repo(): GitFixture {
  const fx = gitFixture();
  fx.write('models.yaml', modelsYaml);
  fx.write('models/score.py', 'def score(args):\n    return 1\n');
  fx.write('work/train.py', script);
  fx.write('.gitignore', '.slipway/\n');
  fx.commitAll('a project');
  return fx;
}

test('the project env, cdsw importable, the working directory and the arguments as given', () => {
  const fx = repo();
  try {
    const work = path.join(fx.root, 'work');
    const run = slipway(work, ['python', '--', 'train.py', '--epochs', '3'], { TOKEN_FOR_TESTS: 't-1' });
    assert.is(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout), { cwd: work, argv: ['--epochs', '3'], stage: 'dev', only_model: null, token: 't-1', sdk: true });

    const model = slipway(work, ['python', '--model', 'scorer', '--', 'train.py'], { TOKEN_FOR_TESTS: 't-2' });
    assert.is(model.status, 0, model.stderr);
    assert.equal(JSON.parse(model.stdout), { cwd: work, argv: [], stage: 'model', only_model: '1', token: 't-2', sdk: true });
  } finally {
    fx.remove();
  }
});

test('the exit code passes through; a missing secret, an unknown model and a missing interpreter are clear errors', () => {
  const fx = repo();
  try {
    const work = path.join(fx.root, 'work');
    const failed = slipway(work, ['python', '--', 'train.py'], { TOKEN_FOR_TESTS: 't', EXIT_WITH: '7' });
    assert.is(failed.status, 7);

    const unset = slipway(work, ['python', '--', 'train.py']);
    assert.is(unset.status, 1);
    assert.is(unset.stderr, 'slipway: TOKEN_FOR_TESTS is not set: ../models.yaml reads it from the environment (fromEnv); set it and run again\n');

    const unknown = slipway(work, ['python', '--model', 'nope', '--', 'train.py'], { TOKEN_FOR_TESTS: 't' });
    assert.is(unknown.status, 1);
    assert.match(unknown.stderr, 'slipway: no model nope in ../models.yaml (models: scorer, pinned)');

    const noPython = slipway(work, ['python', '--python', '/nonexistent/python9', '--', 'train.py'], { TOKEN_FOR_TESTS: 't' });
    assert.is(noPython.status, 1);
    assert.match(noPython.stderr, 'slipway: /nonexistent/python9 not found; give the interpreter with --python');
    // --model runs the model's build.python, as its builds do.
    const pinned = slipway(work, ['python', '--model', 'pinned', '--', 'train.py'], { TOKEN_FOR_TESTS: 't' });
    assert.is(pinned.status, 1);
    assert.match(pinned.stderr, /^slipway: build\.python "\/nonexistent\/python9": /);
    const overridden = slipway(work, ['python', '--model', 'pinned', '--python', 'python3', '--', 'train.py'], { TOKEN_FOR_TESTS: 't' });
    assert.is(overridden.status, 0, overridden.stderr);
  } finally {
    fx.remove();
  }
});

test('without a models.yaml the runtime modules are still importable', () => {
  const fx = gitFixture();
  try {
    fx.write('train.py', 'import cdsw\ncdsw.track_metric("loss", 0.1)\n');
    const run = slipway(fx.root, ['python', '--', 'train.py']);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stderr, /^cdsw: not in a Slipway model, so tracked metrics and files are recorded in .*\.slipway\/tracked\/.*\.jsonl\n$/);
    assert.is(fs.readdirSync(path.join(fx.root, '.slipway', 'tracked')).length, 1);
  } finally {
    fx.remove();
  }
});

test.run();
