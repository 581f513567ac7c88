// The overview's follow line from the daemon's follow files (src/follow/follow-summary.ts's
// followLine): absent when the daemon follows no branch, and a failing fetch shown, escaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { followLine } from '../../src/follow/follow-summary.ts';
import { forgetFollowing, writeFollowConfig, writeFollowState } from '../../src/follow/follow-state-file.ts';
import type { FollowState } from '../../src/follow/follower.ts';
import { renderOverview } from '../../src/ui/pages/overview.ts';

const viewer = { label: 'admin token', admin: true, csrf: 'csrf-token-1' };

const failing: FollowState = {
  ref: 'origin/main',
  url: '/srv/git/<gone>.git',
  intervalMs: 30_000,
  fetched: null,
  fetchError: { message: "git fetch failed: '/srv/git/<gone>.git' does not appear to be a git repository", at: '2026-12-01T10:00:00.000Z', failures: 3, nextAttemptAt: '2026-12-01T10:04:00.000Z' },
  applied: null,
};

test('the overview shows a failing fetch from the follow files, escaped; nothing when the daemon follows no branch', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'slipway-follow-line-'));
  try {
    assert.is(followLine(root), null, 'no follow files');
    writeFollowState(root, failing);
    assert.is(followLine(root), null, 'a state left by a daemon that stopped following is not shown');
    writeFollowConfig(root, { ref: 'origin/main', intervalMs: 30_000, file: 'models.yaml' });
    const line = followLine(root);
    assert.is(line, "following origin/main: nothing applied yet; fetch FAILING 3 in a row, next try 2026-12-01T10:04:00.000Z: git fetch failed: '/srv/git/<gone>.git' does not appear to be a git repository");
    const page = renderOverview({ viewer, models: [], follow: line });
    assert.match(page, '<p class="follow">following origin/main: nothing applied yet; fetch FAILING 3 in a row');
    assert.match(page, '&#39;/srv/git/&lt;gone&gt;.git&#39;');
    assert.not.match(page, '<gone>');
    forgetFollowing(root);
    assert.not.match(renderOverview({ viewer, models: [], follow: followLine(root) }), 'class="follow"');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
