// How following reads to people, from plain state: `follow status`, the `status` line, and the
// dashboard overview's line (escaped like everything else there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeFollow, followSummary } from '../../src/follow/follow-summary.ts';
import type { FollowState } from '../../src/follow/follower.ts';
import { renderOverview } from '../../src/ui/pages/overview.ts';

const state: FollowState = {
  ref: 'origin/main',
  url: 'git@github.com:octo/models.git',
  intervalMs: 30_000,
  fetched: { commit: 'a'.repeat(40), at: '2026-11-20T14:00:00.000Z' },
  fetchError: { message: 'git fetch failed: <could not resolve host>', at: '2026-11-20T14:05:00.000Z', failures: 2, nextAttemptAt: '2026-11-20T14:07:00.000Z' },
  applied: { commit: 'a'.repeat(40), startedAt: '2026-11-20T14:00:01.000Z', finishedAt: '2026-11-20T14:00:09.000Z', outcome: 'failed', changes: ['iris: rebuild'], message: 'iris: 1 of 1 examples failed' },
};

test('follow status: fetched, the failing fetch, planned and the failed apply with its reason', () => {
  const text = describeFollow(state, new Date('2026-11-20T14:06:00.000Z'));
  assert.match(text, 'following origin/main (git@github.com:octo/models.git) every 30 s');
  assert.match(text, 'fetched aaaaaaaaaaaa at 2026-11-20T14:00:00.000Z (360 s ago)');
  assert.match(text, 'fetch FAILING (2 in a row');
  assert.match(text, 'planned aaaaaaaaaaaa at 2026-11-20T14:00:01.000Z: iris: rebuild');
  assert.match(text, 'failed aaaaaaaaaaaa at 2026-11-20T14:00:09.000Z: iris: 1 of 1 examples failed');
  assert.match(text, 'not retried');
});

test('the status line and the dashboard line name the failing fetch; the page escapes it', () => {
  const line = followSummary(state);
  assert.match(line, 'following origin/main: failed aaaaaaaaaaaa (iris: 1 of 1 examples failed); fetch FAILING 2 in a row');
  const viewer = { label: 'admin token', admin: true, csrf: 'csrf-token-1' };
  const page = renderOverview({ viewer, models: [], follow: line.trimEnd() });
  assert.match(page, '&lt;could not resolve host&gt;');
  assert.not.match(renderOverview({ viewer, models: [] }), 'class="follow"');
});

test.run();
