// toReport and outcomeReport: a build's state and the phase that failed come from the outcome's
// fields. A build that succeeded stays `built` when the rollout or the test calls fail after it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelOutcome } from '../../src/apply/apply.ts';
import { invalidReport, outcomeReport, toReport } from '../../src/ci/to-report.ts';
import type { Plan } from '../../src/plan/types.ts';

const KEY = 'k'.repeat(64);
const plan: Plan = { changes: [{ model: 'iris', action: 'rebuild', build: { number: 2, key: KEY, reused: false }, reasons: ['predict.py modified'] }] };

function outcome(over: Partial<ModelOutcome>): ModelOutcome {
  return { model: 'iris', action: 'rebuild', ok: true, failedIn: null, cancelled: false, build: { number: 2, key: KEY, reused: false }, deploymentId: 7, error: null, errorTail: null, tests: [], ...over };
}

test('a build that succeeded stays built when the rollout or the tests fail', () => {
  const rollout = outcomeReport(outcome({ ok: false, failedIn: 'rollout', deploymentId: null, error: 'rollout of iris: ProgressDeadlineExceeded' }), plan);
  assert.equal([rollout.build?.state, rollout.failedIn, rollout.reasons], ['built', 'rollout', ['predict.py modified']]);
  const tests = outcomeReport(outcome({ ok: false, failedIn: 'test' }), plan);
  assert.equal([tests.build?.state, tests.failedIn], ['built', 'test']);
});

test('a failed build is failed whatever its message says; a reused one is reused', () => {
  const failed = outcomeReport(outcome({ ok: false, failedIn: 'build', error: 'anything at all', deploymentId: null }), plan);
  assert.equal([failed.build?.state, failed.failedIn], ['failed', 'build']);
  const reused = outcomeReport(outcome({ build: { number: 1, key: KEY, reused: true } }), plan);
  assert.equal([reused.build?.state, reused.failedIn], ['reused', null]);
});

test('toReport fills what a flow leaves out; invalidReport keeps positioned issues or one message', () => {
  const header = { kind: 'apply' as const, commit: null, modelsFile: 'models.yaml' };
  assert.equal(toReport(header), { ...header, ok: false, issues: [], plan: null, fingerprint: null, models: [], notes: [], failure: null, drift: false });
  const issue = { file: 'models.yaml', line: 3, column: 5, path: '/models/0/file', message: 'missing' };
  assert.equal([invalidReport(header, { issues: [issue], message: 'x' }).failure, invalidReport(header, { issues: [], message: 'no keys' }).failure], [null, 'no keys']);
});

test.run();
