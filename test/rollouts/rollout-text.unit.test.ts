// How `slipway status` and an apply's report word a rollout: a saved copy says when it was saved,
// the controller's own state does not; a deployment that began as a canary or shadow says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RolloutState } from '../../src/rollouts/rollout-controller.ts';
import { rolloutText, startedAs } from '../../src/rollouts/rollout-text.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const side = (calls: number) => ({ calls, errors: 0, errorRate: 0, p95Ms: 4 });
const canary: RolloutState = {
  model: 'iris', strategy: 'canary', liveDeploymentId: 1, candidateDeploymentId: 2, liveBuild: 1, candidateBuild: 2,
  step: 0, steps: [20, 100], weight: 20, startedAt: T0, stepStartedAt: T0, nextAt: T0 + 60_000,
  comparison: { live: side(8), candidate: side(2) }, earlier: [], outcome: 'running', reason: null,
};

test('a saved copy says when it was saved; the live state does not', () => {
  assert.match(rolloutText({ ...canary, savedAt: T0 + 5_000 }, T0 + 10_000), 'next in 50 s (as saved at 10:00:05 UTC)\n');
  assert.not.match(rolloutText(canary, T0), 'as saved');
});

test('how an apply says a rollout began', () => {
  assert.is(startedAs({ strategy: 'canary', weight: 5 }), 'started as a canary at 5 %');
  assert.is(startedAs({ strategy: 'shadow' }), 'started as a shadow');
});

test.run();
