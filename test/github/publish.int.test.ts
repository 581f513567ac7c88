// The octokit client and the writes Slipway makes, against the loopback fake of GitHub's REST API:
// exact methods, paths and bodies; one sticky comment edited in place; retries on 5xx; waits on a
// rate limit; the token only ever in the Authorization header.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGitHubClient, GitHubApiError } from '../../src/github/client.ts';
import { createCommitComment, createCommitStatus, parseRepository, upsertStickyComment } from '../../src/github/publish.ts';
import { planCommentMarker } from '../../src/github/render-report.ts';

const PLAN_COMMENT_MARKER = planCommentMarker('local', 'models.yaml');
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';

const TOKEN = 'ghs_faketoken0123456789';
const ref = { owner: 'octo-org', repo: 'models' };
const SHA = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

async function withFake(fn: (fake: FakeGitHub, logs: string[]) => Promise<void>): Promise<void> {
  const fake = await startFakeGitHub({ token: TOKEN });
  const logs: string[] = [];
  try {
    await fn(fake, logs);
  } finally {
    await fake.close();
  }
}

const client = (fake: FakeGitHub, logs: string[]) => createGitHubClient({ token: TOKEN, baseUrl: fake.url, log: (l) => logs.push(l) });

test('the sticky comment is created once, then found by its marker and edited in place', () =>
  withFake(async (fake, logs) => {
    const gh = client(fake, logs);
    fake.seedComment(7, 'LGTM, a human comment');
    const first = await upsertStickyComment(gh, ref, 7, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nfirst`);
    assert.is(first.created, true);
    const second = await upsertStickyComment(gh, ref, 7, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nsecond`);
    assert.equal(second, { id: first.id, created: false });
    assert.equal(
      fake.requests.map((r) => [r.method, r.path, r.body]),
      [
        // An installation token has no user: its comments are github-actions[bot]'s.
        ['GET', '/user', null],
        ['GET', '/app', null],
        ['GET', '/repos/octo-org/models/issues/7/comments?per_page=100', null],
        ['POST', '/repos/octo-org/models/issues/7/comments', { body: `${PLAN_COMMENT_MARKER}\nfirst` }],
        ['GET', '/repos/octo-org/models/issues/7/comments?per_page=100', null],
        ['GET', '/repos/octo-org/models/issues/7/comments?per_page=100', null],
        ['PATCH', `/repos/octo-org/models/issues/comments/${first.id}`, { body: `${PLAN_COMMENT_MARKER}\nsecond` }],
      ],
    );
    assert.equal([...fake.comments.values()].map((c) => c.body), ['LGTM, a human comment', `${PLAN_COMMENT_MARKER}\nsecond`]);
    assert.ok(fake.requests.every((r) => r.authorization === `token ${TOKEN}`));
  }));

test('the marker is found on a later page of comments', () =>
  withFake(async (fake, logs) => {
    for (let i = 0; i < 100; i++) fake.seedComment(3, `comment ${i}`);
    const mine = fake.seedComment(3, `${PLAN_COMMENT_MARKER}\nold`, 'github-actions[bot]');
    const result = await upsertStickyComment(client(fake, logs), ref, 3, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nnew`);
    assert.equal(result, { id: mine.id, created: false });
    assert.equal(fake.requests.map((r) => `${r.method} ${r.path}`), [
      'GET /user',
      'GET /app',
      'GET /repos/octo-org/models/issues/3/comments?per_page=100',
      'GET /repos/octo-org/models/issues/3/comments?per_page=100&page=2',
      `PATCH /repos/octo-org/models/issues/comments/${mine.id}`,
    ]);
  }));

test("only the token's own comment that starts with the marker is edited: a planted or quoting one is left alone", () =>
  withFake(async (fake, logs) => {
    const planted = fake.seedComment(5, `${PLAN_COMMENT_MARKER}\nplanted by someone else`, 'mallory');
    const quoting = fake.seedComment(5, `As the bot said:\n${PLAN_COMMENT_MARKER}`, 'github-actions[bot]');
    const result = await upsertStickyComment(client(fake, logs), ref, 5, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nreal`);
    assert.is(result.created, true);
    assert.equal(fake.comments.get(planted.id)?.body, `${PLAN_COMMENT_MARKER}\nplanted by someone else`);
    assert.equal(fake.comments.get(quoting.id)?.body, `As the bot said:\n${PLAN_COMMENT_MARKER}`);
    assert.equal(fake.comments.get(result.id), { id: result.id, issue: 5, body: `${PLAN_COMMENT_MARKER}\nreal`, author: 'github-actions[bot]' });
    assert.not.ok(fake.writes().some((w) => w.method === 'PATCH'));
  }));

test("a user's token: its own login from GET /user decides which comments are its", () =>
  withFake(async (_unused, logs) => {
    const fake = await startFakeGitHub({ token: TOKEN, user: 'release-bot' });
    try {
      const bots = fake.seedComment(9, `${PLAN_COMMENT_MARKER}\nby github-actions`, 'github-actions[bot]');
      const mine = fake.seedComment(9, `${PLAN_COMMENT_MARKER}\nold`, 'release-bot');
      const result = await upsertStickyComment(client(fake, logs), ref, 9, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nnew`);
      assert.equal(result, { id: mine.id, created: false });
      assert.is(fake.comments.get(bots.id)?.body, `${PLAN_COMMENT_MARKER}\nby github-actions`);
      assert.equal(fake.requests.slice(0, 1).map((r) => `${r.method} ${r.path}`), ['GET /user']);
    } finally {
      await fake.close();
    }
  }));

test('two runs at once, both finding no comment: one comment remains, holding the later body', () =>
  withFake(async (fake, logs) => {
    fake.holdCommentLists(2);
    const [a, b] = await Promise.all([
      upsertStickyComment(client(fake, logs), ref, 4, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nrun a`),
      upsertStickyComment(client(fake, logs), ref, 4, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nrun b`),
    ]);
    assert.equal(fake.writes().filter((w) => w.method === 'POST').length, 2, 'both runs created a comment: the race happened');
    const left = [...fake.comments.values()].filter((c) => c.issue === 4);
    assert.is(left.length, 1);
    assert.is(a.id, left[0].id);
    assert.is(b.id, left[0].id);
    assert.equal(fake.writes().filter((w) => w.method === 'DELETE').length, 1);
  }));

test('commit comment and commit status: exact paths and bodies', () =>
  withFake(async (fake, logs) => {
    const gh = client(fake, logs);
    await createCommitComment(gh, ref, SHA, 'applied');
    await createCommitStatus(gh, ref, SHA, { state: 'success', context: 'slipway/apply', description: 'x'.repeat(150), targetUrl: 'https://github.com/octo-org/models/actions/runs/1' });
    assert.equal(fake.requests.map((r) => [r.method, r.path, r.body]), [
      ['POST', `/repos/octo-org/models/commits/${SHA}/comments`, { body: 'applied' }],
      ['POST', `/repos/octo-org/models/statuses/${SHA}`, { state: 'success', context: 'slipway/apply', description: `${'x'.repeat(139)}…`, target_url: 'https://github.com/octo-org/models/actions/runs/1' }],
    ]);
  }));

test('a 502 is retried, and the request then succeeds', () =>
  withFake(async (fake, logs) => {
    fake.failNext(1);
    await createCommitComment(client(fake, logs), ref, SHA, 'after a 502');
    assert.equal(fake.requests.map((r) => [r.method, r.path, r.body]), [
      ['POST', `/repos/octo-org/models/commits/${SHA}/comments`, { body: 'after a 502' }],
      ['POST', `/repos/octo-org/models/commits/${SHA}/comments`, { body: 'after a 502' }],
    ]);
  }));

test('a rate limit (403, remaining 0) waits for the reset and retries', () =>
  withFake(async (fake, logs) => {
    fake.rateLimitNext(1);
    await createCommitStatus(client(fake, logs), ref, SHA, { state: 'failure', context: 'slipway/apply', description: 'add-numbers: example 1 failed' });
    assert.is(fake.requests.length, 2);
    assert.equal(fake.requests[1].body, { state: 'failure', context: 'slipway/apply', description: 'add-numbers: example 1 failed' });
    assert.is(logs.length, 1);
    assert.match(logs[0], /^GitHub rate limit on POST \/repos\/\{owner\}\/\{repo\}\/statuses\/\{sha\}: retrying in \d+ s$/);
  }));

test('a refusal is a GitHubApiError saying what to check, without the token', () =>
  withFake(async (fake, logs) => {
    const bad = createGitHubClient({ token: 'ghs_wrong_token_value', baseUrl: fake.url, log: (l) => logs.push(l) });
    try {
      await createCommitComment(bad, ref, SHA, 'x');
      assert.unreachable('a bad token must fail');
    } catch (error) {
      assert.instance(error, GitHubApiError);
      assert.is((error as GitHubApiError).status, 401);
      assert.is((error as Error).message, 'cannot comment on commit 0d1a26e: GitHub answered 401 (Bad credentials); check the github-token input / GITHUB_TOKEN');
      assert.not.match(JSON.stringify(error, Object.getOwnPropertyNames(error)), 'ghs_wrong_token_value');
    }
    assert.is(fake.requests.length, 1);
  }));

test('GITHUB_REPOSITORY must be owner/name', () => {
  assert.equal(parseRepository('octo-org/models'), { ok: true, ref });
  assert.equal(parseRepository('models'), { ok: false, message: 'GITHUB_REPOSITORY is "models"; expected owner/name, e.g. octo-org/models' });
});

test.run();
