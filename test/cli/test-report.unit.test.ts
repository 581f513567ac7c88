// `slipway test` in a terminal says why a model failed when its examples passed but its answer diff
// breached a policy, and notes a diff that could not run; the PR comment's verdict, one line each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTestReport } from '../../src/cli/test.ts';
import type { ModelReport, RunReport } from '../../src/github/run-report.ts';

const model = (extra: Partial<ModelReport>): ModelReport => ({
  model: 'iris', action: 'rebuild', reasons: [], build: { number: 4, key: 'k', state: 'built' }, failedIn: null,
  error: null, errorTail: null, tests: [], deploymentId: null, curl: null, ...extra,
});
const report = (m: ModelReport, ok: boolean) => ({ kind: 'test', ok, issues: [], failure: null, models: [m] }) as unknown as RunReport;

test('a breached diff policy is named under the model', () => {
  const m = model({
    diff: {
      candidate: 4, baseline: 3, report: {} as never,
      judgement: { ok: false, ratio: 1.1, verdict: 'p95 1.10× the deployed build; 3 of 100 answers changed (3.0 %)', breaches: ['3.0 % of answers changed, over diff.maxChanged 1 %'] },
    },
  });
  const text = renderTestReport(report(m, false));
  assert.match(text, 'answer diff FAIL: build #4 against the deployed build #3: p95 1.10× the deployed build; 3 of 100 answers changed');
  assert.match(text, '✗ 3.0 % of answers changed, over diff.maxChanged 1 %');
  assert.match(text, 'Some models failed.');
});

test('a diff that could not run, and a changed output shape, are said', () => {
  const text = renderTestReport(report(model({ diffNotRun: 'cannot pull r/m:k: denied', outputShape: { from: 'answers', changes: ['added /label'] } }), true));
  assert.match(text, 'answer diff not run: cannot pull r/m:k: denied');
  assert.match(text, 'output shape changed (from the answers): added /label');
});

test.run();
