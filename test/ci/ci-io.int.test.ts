// `slipway ci`'s own runner protocol: outputs and the summary into the runner's files, annotations
// and masks as workflow commands on GitHub, plain text elsewhere.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { workflowCommandIO } from '../../src/ci/ci-io.ts';

const issue = { file: 'models.yaml', line: 3, column: 5, path: 'models[0].name', message: 'must be a DNS label' };

function sink() {
  const lines: string[] = [];
  return { lines, write: (text: string) => lines.push(text) };
}

test('on GitHub Actions: ::error, ::add-mask::, GITHUB_OUTPUT in the multi-line form, GITHUB_STEP_SUMMARY appended', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-ci-io-'));
  try {
    const output = path.join(dir, 'output');
    const summary = path.join(dir, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, 'before\n');
    const out = sink();
    const err = sink();
    const io = workflowCommandIO({ GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary }, out, err);
    io.annotate(issue, 'models.yaml');
    io.mask('tok%en');
    io.error('it broke\nbadly');
    io.output('plan', '{"changes":[]}\nsecond line');
    await io.summary('## Report');
    io.log('progress');
    assert.equal(out.lines, [
      '::error file=models.yaml,line=3,col=5,title=models.yaml is not valid::models[0].name: must be a DNS label\n',
      '::add-mask::tok%25en\n',
      '::error::it broke%0Abadly\n',
    ]);
    assert.equal(err.lines, ['progress\n']);
    const written = readFileSync(output, 'utf8');
    const match = /^plan<<(ghadelimiter_[0-9a-f-]+)\n\{"changes":\[\]\}\nsecond line\n(ghadelimiter_[0-9a-f-]+)\n$/.exec(written);
    assert.ok(match, written);
    assert.is(match![1], match![2]);
    assert.is(readFileSync(summary, 'utf8'), 'before\n## Report\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('elsewhere: file:line:col errors on stderr, the summary on stdout, no masks, no outputs', async () => {
  const out = sink();
  const err = sink();
  const io = workflowCommandIO({}, out, err);
  io.annotate(issue, 'models.yaml');
  io.mask('token');
  io.output('plan', 'x');
  await io.summary('## Report');
  assert.equal(out.lines, ['## Report\n']);
  assert.equal(err.lines, ['models.yaml:3:5 models[0].name: must be a DNS label\n']);
});

test.run();
