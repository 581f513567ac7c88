// The apply report on a terminal: a deployment that began as a canary or shadow says so, because
// it does not serve every call yet; one that switched traffic reads as before.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderApplyResult } from '../../src/cli/apply-output.ts';
import type { ModelOutcome } from '../../src/apply/apply.ts';

const outcome = (extra: Partial<ModelOutcome>): ModelOutcome => ({
  model: 'iris', action: 'rebuild', ok: true, failedIn: null, cancelled: false,
  build: { number: 2, key: 'k2', reused: false }, deploymentId: 5, error: null, errorTail: null, tests: [], ...extra,
});
const render = (o: ModelOutcome) => renderApplyResult({ ok: true, report: { ok: true, outcomes: [o] } } as Parameters<typeof renderApplyResult>[0]);

test('a canary says its first share of calls', () => {
  assert.match(render(outcome({ rollout: { strategy: 'canary', weight: 5 } })), '✓ iris: rebuild build #2 → deployment #5 started as a canary at 5 %\n');
});

test('a shadow says it is one', () => {
  assert.match(render(outcome({ rollout: { strategy: 'shadow' } })), '→ deployment #5 started as a shadow\n');
});

test('a deployment that took every call reads as before', () => {
  const text = render(outcome({}));
  assert.match(text, '✓ iris: rebuild build #2 → deployment #5\n');
  assert.not.match(text, 'started as');
});

test.run();
