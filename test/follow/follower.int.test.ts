// The follower against real git: a bare remote in a temp folder, the follower's own clone, an
// injected clock and checks called by the test (the fetch trigger), so nothing sleeps. Each commit
// is applied once (a failed one is not retried until the branch moves); a push, a revert and a
// force-push to an older commit are each applied; an unreachable remote backs off, doubling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitFixture } from '../support/git-fixture.ts';
import { displayUrl, followClone } from '../../src/follow/follow-clone.ts';
import { createFollower, type CommitOutcome, type FollowState } from '../../src/follow/follower.ts';
import { parseFollowRef, parseInterval } from '../../src/follow/follow-ref.ts';
import { githubRepository } from '../../src/follow/commit-status.ts';

function setup() {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'slipway-follow-')));
  const remote = path.join(base, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const dev = gitFixture();
  dev.git('remote', 'add', 'origin', remote);
  const push = (...extra: string[]) => dev.git('push', '-q', ...extra, 'origin', 'HEAD:main');
  const daemonRoot = path.join(base, 'daemon');
  const clone = followClone(daemonRoot, remote, parseFollowRef('origin/main'));
  let clock = new Date('2026-11-20T14:00:00Z');
  const applied: Array<{ commit: string; file: string }> = [];
  let failWith: string | null = null;
  const states: FollowState[] = [];
  const follower = createFollower(
    { ref: 'origin/main', url: remote, intervalMs: 30_000, fetched: null, fetchError: null, applied: null },
    {
      fetch: () => clone.fetch(),
      // What the daemon's apply reads: the clone's files at the commit.
      apply: async (commit): Promise<CommitOutcome> => {
        await clone.checkout(commit);
        applied.push({ commit, file: readFileSync(path.join(clone.dir, 'model.py'), 'utf8') });
        return failWith ? { ok: false, changes: ['m: rebuild'], message: failWith } : { ok: true, changes: ['m: rebuild'], message: null };
      },
      now: () => clock,
      changed: (s) => states.push(s),
      log: () => {},
    },
  );
  return {
    dev, remote, clone, follower, applied, states, push,
    advance: (ms: number) => { clock = new Date(clock.getTime() + ms); },
    failNext: (message: string | null) => { failWith = message; },
    cleanup: () => { dev.remove(); rmSync(base, { recursive: true, force: true }); },
  };
}

test('converges after a push, a revert and a force-push to an older commit; never applies a commit twice', async () => {
  const s = setup();
  try {
    s.dev.write('model.py', 'v1\n');
    const c1 = s.dev.commitAll('v1');
    s.push();
    assert.is(await s.follower.check(), 'applied');
    assert.equal(s.applied.map((a) => [a.commit, a.file]), [[c1, 'v1\n']]);
    assert.is(await s.follower.check(), 'up-to-date');
    assert.is(s.applied.length, 1, 'the same commit is not applied again');

    s.dev.write('model.py', 'v2\n');
    const c2 = s.dev.commitAll('v2');
    s.push();
    assert.is(await s.follower.check(), 'applied');
    s.dev.git('revert', '--no-edit', c2);
    const c3 = s.dev.git('rev-parse', 'HEAD');
    s.push();
    assert.is(await s.follower.check(), 'applied');
    assert.equal(s.applied.slice(1).map((a) => [a.commit, a.file]), [[c2, 'v2\n'], [c3, 'v1\n']]);

    s.dev.git('reset', '-q', '--hard', c2);
    s.push('--force');
    assert.is(await s.follower.check(), 'applied');
    assert.equal(s.applied.at(-1), { commit: c2, file: 'v2\n' }, 'the force-pushed older commit is what runs');
    assert.is(await s.follower.check(), 'up-to-date');
    assert.is(s.applied.length, 4);
    assert.equal(s.follower.state().applied?.commit, c2);
    assert.is(s.follower.state().fetched?.commit, c2);
  } finally {
    s.cleanup();
  }
});

test('a failing commit stays failed with its reason until a new commit arrives', async () => {
  const s = setup();
  try {
    s.dev.write('model.py', 'broken\n');
    const bad = s.dev.commitAll('broken');
    s.push();
    s.failNext('m: build #1 failed: exited with 2');
    assert.is(await s.follower.check(), 'failed');
    for (let i = 0; i < 3; i++) {
      s.advance(30_000);
      assert.is(await s.follower.check(), 'up-to-date');
    }
    assert.is(s.applied.length, 1, 'tried once');
    const failed = s.follower.state().applied!;
    assert.equal([failed.commit, failed.outcome, failed.message], [bad, 'failed', 'm: build #1 failed: exited with 2']);

    s.failNext(null);
    s.dev.write('model.py', 'fixed\n');
    const fixed = s.dev.commitAll('fixed');
    s.push();
    assert.is(await s.follower.check(), 'applied');
    assert.equal(s.applied.map((a) => a.commit), [bad, fixed]);
  } finally {
    s.cleanup();
  }
});

test('an unreachable remote backs off, doubling, and recovers when it is back', async () => {
  const s = setup();
  try {
    s.dev.write('model.py', 'v1\n');
    s.dev.commitAll('v1');
    s.push();
    const hidden = `${s.remote}.away`;
    execFileSync('mv', [s.remote, hidden]);
    assert.is(await s.follower.check(), 'fetch-failed');
    let e = s.follower.state().fetchError!;
    assert.is(e.failures, 1);
    assert.match(e.message, 'git fetch failed');
    assert.is(Date.parse(e.nextAttemptAt) - Date.parse(e.at), 60_000, 'two intervals after one failure');

    s.advance(30_000);
    assert.is(await s.follower.check(), 'backing-off', 'not fetched before the back-off ends');
    s.advance(30_000);
    assert.is(await s.follower.check(), 'fetch-failed');
    e = s.follower.state().fetchError!;
    assert.is(e.failures, 2);
    assert.is(Date.parse(e.nextAttemptAt) - Date.parse(e.at), 120_000, 'four intervals after two');
    assert.is(s.applied.length, 0);

    execFileSync('mv', [hidden, s.remote]);
    s.advance(120_000);
    assert.is(await s.follower.check(), 'applied');
    assert.is(s.follower.state().fetchError, null);
  } finally {
    s.cleanup();
  }
});

test('--follow and --interval are read strictly; GitHub remotes are recognised', () => {
  assert.equal(parseFollowRef('origin/release/2'), { remote: 'origin', branch: 'release/2' });
  assert.throws(() => parseFollowRef('main'), /REMOTE\/BRANCH/);
  assert.throws(() => parseFollowRef('origin/../x'), /REMOTE\/BRANCH/);
  assert.is(parseInterval('30s'), 30_000);
  assert.is(parseInterval('5m'), 300_000);
  assert.throws(() => parseInterval('1s'), /at most every 5 seconds/);
  assert.throws(() => parseInterval('soon'), /30s, 5m or 1h/);
  assert.is(githubRepository('https://github.com/octo/models.git'), 'octo/models');
  assert.is(githubRepository('git@github.com:octo/models.git'), 'octo/models');
  assert.is(githubRepository('/srv/git/models.git'), null);
  assert.is(displayUrl('https://bot:ghp_secret@github.com/octo/models.git'), 'https://***@github.com/octo/models.git');
  assert.is(displayUrl('git@github.com:octo/models.git'), 'git@github.com:octo/models.git');
});

test('a fetch failure never shows credentials written into the URL', async () => {
  const clone = followClone(mkdtempSync(path.join(tmpdir(), 'slipway-follow-mask-')), 'https://bot:ghp_secret@127.0.0.1:1/octo/models.git', parseFollowRef('origin/main'));
  try {
    await clone.fetch();
    assert.unreachable('nothing listens on port 1');
  } catch (error) {
    assert.match((error as Error).message, 'git fetch failed');
    assert.not.match((error as Error).message, 'ghp_secret');
  } finally {
    rmSync(path.dirname(clone.dir), { recursive: true, force: true });
  }
});

test.run();
