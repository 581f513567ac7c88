// validate's R check runs R's own parser (one Rscript for every R file): syntax errors with line
// and column, functions found however they are defined, and, without R, one message for the R
// models only.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { rMissing } from '../support/r-missing.ts';

const test = suite('validate: R models, checked with R\'s parser');
let root: string;

function project(files: Record<string, string>): void {
  rmSync(root, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
}

async function issues(): Promise<string[]> {
  const loaded = await loadSpec(path.join(root, 'models.yaml'), { root, displayPath: 'models.yaml' });
  return loaded.ok ? [] : loaded.errors.map(formatIssue);
}

const entry = (name: string, file: string, fn: string, runtime = 'r') => `  - name: ${name}\n    file: ${file}\n    function: ${fn}\n    runtime: ${runtime}\n`;

const definedEveryWay = `library(jsonlite)
arrow <- function(x) x
equals = function(x) x
(function(x) x) -> rightward
global <<- function(x) x
assign("assigned", function(x) x)
lambda <- \\(x) x
local({
  in_local <- function(x) x
})
if (TRUE) {
  in_if <- function(x) x
} else {
  in_else <- function(x) x
}
vectorised <- Vectorize(arrow)
`;

test.before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'slipway-r-check-'));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
  else console.log(`skipping the R validate tests: ${missing}`);
} else {
  test('functions defined in any valid way are found', async () => {
    const names = ['arrow', 'equals', 'rightward', 'global', 'assigned', 'lambda', 'in_local', 'in_if', 'in_else', 'vectorised'];
    project({
      'models.yaml': `version: 1\nproject: r\nmodels:\n${names.map((fn, i) => entry(`m${i}`, 'r/all.R', JSON.stringify(fn))).join('')}`,
      'r/all.R': definedEveryWay,
    });
    assert.equal(await issues(), []);
  });

  test('a syntax error is refused with its line and column; a missing function gets a suggestion', async () => {
    project({
      'models.yaml': `version: 1\nproject: r\nmodels:\n${entry('bad', 'r/bad.R', 'predict')}${entry('typo', 'r/ok.R', 'predcit')}`,
      'r/bad.R': 'predict <- function(x) {\n  x y\n}\n',
      'r/ok.R': 'predict <- function(x) x\nhelper = 1\n',
    });
    assert.equal(await issues(), [
      'models.yaml:5:11 models[0].file: r/bad.R:2:5: R syntax error: unexpected symbol (fix the file so function "predict" can be found)',
      'models.yaml:10:15 models[1].function: function "predcit" is not defined at the top level of r/ok.R, did you mean "predict"? (functions there: predict)',
    ]);
  });

  test('a file that source()s another may define the function there: not refused', async () => {
    project({
      'models.yaml': `version: 1\nproject: r\nmodels:\n${entry('sourced', 'r/main.R', 'predict')}`,
      'r/main.R': 'source("r/impl.R")\n',
      'r/impl.R': 'predict <- function(x) x\n',
    });
    assert.equal(await issues(), []);
  });

  test('without R, validate says so once, for the R models only', async () => {
    project({
      'models.yaml': `version: 1\nproject: r\nmodels:\n${entry('one', 'r/ok.R', 'predict')}${entry('two', 'r/ok.R', 'predict')}${entry('py', 'p/m.py', 'predict', 'python3')}`,
      'r/ok.R': 'predict <- function(x) x\n',
      'p/m.py': 'def predict(x):\n    return x\n',
    });
    // A PATH holding python3 and nothing of R.
    const bin = mkdtempSync(path.join(tmpdir(), 'slipway-no-r-'));
    symlinkSync('/usr/bin/python3', path.join(bin, 'python3'));
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const found = await issues();
      assert.is(found.length, 1, found.join('\n'));
      assert.match(found[0], /^models\.yaml:7:14 models\[0\]\.runtime: cannot check the R models: Rscript was not found \(install R/);
    } finally {
      process.env.PATH = saved;
      rmSync(bin, { recursive: true, force: true });
    }
  });
}

test.run();
