// Build output shown once: streamed under a progress line on a terminal, not at all elsewhere (the
// summary then carries the failed build's tail), with an injected clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildOutput, progressLine } from '../../src/cli/build-output.ts';
import { renderApplyResult } from '../../src/cli/apply-output.ts';

test('on a terminal: each build line once, the progress line redrawn with step and elapsed time, cleared after', () => {
  let out = '';
  let clock = 0;
  const o = createBuildOutput({ tty: true, write: (t) => (out += t), now: () => clock });
  o.onLog('iris: building #3 (key abc)');
  o.onBuild('iris', 3, 'Collecting numpy');
  clock = 65_000;
  o.onBuild('iris', 3, 'Installing numpy');
  o.onLog('iris: rebuild with build #3');
  o.done();
  assert.is(out.split('Collecting numpy').length - 1, 2, 'once as a line, once in the progress line');
  assert.match(out, '    | Installing numpy\n');
  assert.match(out, 'building iris #3 · 1:05 · Installing numpy');
  assert.ok(out.endsWith('  iris: rebuild with build #3\n'), JSON.stringify(out.slice(-80)));
  assert.ok(o.streamed);
});

test('not on a terminal: build lines are not streamed, and the summary shows the failed tail once', () => {
  let out = '';
  const o = createBuildOutput({ tty: false, write: (t) => (out += t) });
  o.onBuild('iris', 3, 'ERROR: no matching distribution');
  o.done();
  assert.is(out, '');
  const result = {
    ok: true as const,
    plan: { changes: [] },
    fingerprint: 'f',
    report: {
      ok: false,
      outcomes: [{ model: 'iris', action: 'rebuild' as const, ok: false, build: { number: 3, key: 'k', reused: false }, failedIn: 'build' as const, cancelled: false, deploymentId: null, error: 'build #3 failed', errorTail: 'ERROR: no matching distribution', tests: [] }],
    },
  };
  assert.match(renderApplyResult(result, { buildStreamed: o.streamed }), '    | ERROR: no matching distribution');
  assert.not.match(renderApplyResult(result, { buildStreamed: true }), 'ERROR: no matching distribution');
});

test('a log file (no progress line) keeps every build line, prefixed', () => {
  let out = '';
  const o = createBuildOutput({ tty: true, progress: false, write: (t) => (out += t), formatLog: (l) => `T ${l}\n` });
  o.onBuild('iris', 3, 'Collecting numpy');
  assert.is(out, 'T iris #3 | Collecting numpy\n');
});

test('the progress line fits 100 columns', () => {
  assert.is(progressLine('building m #1', 5_000, ''), 'building m #1 · 0:05');
  assert.ok(progressLine('building m #1', 5_000, 'x'.repeat(300)).length <= 100);
});

test.run();
