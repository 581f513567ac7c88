// The model page's rollout panel and the overview's rollout badge from plain RolloutState values:
// a canary in progress (window side by side, earlier steps, next step's time, Promote now for admins
// only), a shadow (compared, changed, dropped), a finished one (outcome and reason), escaping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RolloutState } from '../../src/rollouts/rollout-controller.ts';
import { renderOverview } from '../../src/ui/pages/overview.ts';
import { rolloutBadge, renderRollout } from '../../src/ui/pages/rollout-section.ts';

const admin = { label: 'admin token', admin: true, csrf: 'csrf-1' };
const reader = { label: 'API key', admin: false, csrf: 'csrf-2' };
const T0 = Date.parse('2026-12-01T10:00:00.000Z');

const side = (calls: number, errors: number, p95Ms: number | null) => ({ calls, errors, errorRate: calls ? errors / calls : 0, p95Ms });
const canary: RolloutState = {
  model: 'iris', strategy: 'canary', liveDeploymentId: 3, candidateDeploymentId: 4, liveBuild: 2, candidateBuild: 3,
  step: 1, steps: [25, 50, 100], weight: 50, startedAt: T0, stepStartedAt: T0 + 600_000, nextAt: T0 + 1_200_000,
  comparison: { live: side(120, 0, 4.2), candidate: side(118, 2, 6.5) },
  earlier: [{ live: side(300, 0, 4), candidate: side(100, 0, 5.1) }],
  outcome: 'running', reason: null,
};

const rowsOf = (page: string, id: string): string[][] => {
  const table = new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`).exec(page)?.[0] ?? '';
  return [...table.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].flatMap((b) => [...b[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]).map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!));
};

test('a canary in progress: builds, step and weight, the window side by side, earlier steps, next step, Promote now', () => {
  const page = renderRollout('iris', canary, admin, T0 + 900_000).text;
  assert.match(page, 'Rollout in progress: canary');
  assert.match(page, '<dt>Live</dt><dd>deployment #3, build #2</dd>');
  assert.match(page, '<dt>Candidate</dt><dd>deployment #4, build #3</dd>');
  assert.match(page, 'step 2 of 3 (25, 50, 100 %): the canary serves <strong>50 %</strong> of calls');
  assert.equal(rowsOf(page, 'rollout-window'), [['live #3', '120', '0', '0.00 %', '4.20 ms'], ['canary #4', '118', '2', '1.7 %', '6.50 ms']]);
  assert.equal(rowsOf(page, 'rollout-earlier'), [['1 (25 %)', '300', '0.00 %', '4.00 ms', '100', '0.00 %', '5.10 ms']]);
  assert.match(page, /Next: promotion at <time datetime="2026-12-01T10:20:00.000Z">2026-12-01 10:20:00Z<\/time> \(in 300 s\)/);
  assert.match(page, '<form method="post" action="/ui/models/iris/promote"');
  assert.match(page, '<input type="hidden" name="csrf" value="csrf-1"><button type="submit">Promote now</button>');
  assert.not.match(renderRollout('iris', canary, reader, T0).text, 'Promote now', 'read-only viewers do not see it');
  assert.not.match(renderRollout('iris', canary, { ...admin, readOnly: true }, T0).text, 'Promote now', 'nor the read-only dashboard');
  assert.match(renderRollout('iris', canary, { ...admin, readOnly: true, promotes: true }, T0).text, 'Promote now', "but the in-cluster dashboard's admin does");
  assert.not.match(renderRollout('iris', canary, { ...reader, readOnly: true, promotes: false }, T0).text, 'Promote now');
  assert.match(renderRollout('iris', { ...canary, step: 0, weight: 25, earlier: [] }, admin, T0).text, 'Next: step 2 (50 %) at');
  assert.is(rolloutBadge(canary), 'canary 50 % (step 2/3)');
});

test('a shadow: compared, changed and dropped copies; a finished rollout: outcome and reason, no action; escaping', () => {
  const shadow: RolloutState = { ...canary, strategy: 'shadow', step: 0, steps: [100], weight: 100, earlier: [], dropped: 7,
    comparison: { live: side(200, 0, 4), candidate: side(193, 0, 4.4), compared: 190, changed: 19 } };
  const page = renderRollout('iris', shadow, admin, T0).text;
  assert.match(page, 'the shadow gets a copy of every live call');
  assert.match(page, '<dt>Answers compared</dt><dd>190</dd>');
  assert.match(page, '<dt>Answers changed</dt><dd>19 (10.0 %)</dd>');
  assert.match(page, '<dt>Copies dropped</dt><dd>7 ');
  assert.is(rolloutBadge(shadow), 'shadow');

  const rolledBack: RolloutState = { ...canary, outcome: 'rolled back', reason: 'canary at 50 % rolled back: error rate <b>2 %</b>' };
  const ended = renderRollout('<x>', rolledBack, admin, T0).text;
  assert.match(ended, 'Last rollout: canary');
  assert.match(ended, '<strong>rolled back</strong>: canary at 50 % rolled back: error rate &lt;b&gt;2 %&lt;/b&gt;');
  assert.match(ended, 'Its last window, when it ended');
  assert.not.match(ended, 'Promote now');
  assert.not.match(ended, 'Next:');
  assert.is(rolloutBadge(rolledBack), null);
  assert.is(renderRollout('iris', null, admin, T0).text, '');
});

test("a saved copy (another gateway replica's) says when it was saved; the driving controller's own view does not", () => {
  const saved = renderRollout('iris', { ...canary, savedAt: T0 + 905_000 }, admin, T0 + 910_000).text;
  assert.match(saved, '(as saved at <time datetime="2026-12-01T10:15:05.000Z">10:15:05</time> UTC)');
  assert.not.match(renderRollout('iris', canary, admin, T0).text, 'as saved at');
  assert.not.match(renderRollout('iris', { ...canary, outcome: 'promoted', savedAt: T0 }, admin, T0).text, 'as saved at', 'an ended one is final');
});

test('the overview says which model is in rollout', () => {
  const row = { name: 'iris', state: 'running', build: 2, deploymentId: 3, readyReplicas: 2, wantedReplicas: 2, callsLastHour: 0, failedLastHour: 0, p95Ms: null, cpu: null, memory: null, gpu: 0 };
  const page = renderOverview({ viewer: admin, models: [{ ...row, rollout: rolloutBadge(canary) }, { ...row, name: 'plain' }] });
  assert.match(page, '<span class="state state-rollout" data-rollout>canary 50 % (step 2/3)</span>');
  assert.is(page.match(/data-rollout/g)?.length, 1);
});

test.run();
