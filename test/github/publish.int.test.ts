// The octokit client and the writes Slipway makes, against the loopback fake of GitHub's REST API:
// exact methods, paths and bodies; one sticky comment edited in place; retries on 5xx; waits on a
// rate limit; the token only ever in the Authorization header.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGitHubClient, GitHubApiError } from '../../src/github/client.ts';
import { createCommitComment, createCommitStatus, parseRepository, upsertStickyComment } from '../../src/github/publish.ts';
import { PLAN_COMMENT_MARKER } from '../../src/github/render-report.ts';
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
        ['GET', '/repos/octo-org/models/issues/7/comments?per_page=100', null],
        ['POST', '/repos/octo-org/models/issues/7/comments', { body: `${PLAN_COMMENT_MARKER}\nfirst` }],
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
    const mine = fake.seedComment(3, `${PLAN_COMMENT_MARKER}\nold`);
    const result = await upsertStickyComment(client(fake, logs), ref, 3, PLAN_COMMENT_MARKER, `${PLAN_COMMENT_MARKER}\nnew`);
    assert.equal(result, { id: mine.id, created: false });
    assert.equal(fake.requests.map((r) => `${r.method} ${r.path}`), [
      'GET /repos/octo-org/models/issues/3/comments?per_page=100',
      'GET /repos/octo-org/models/issues/3/comments?per_page=100&page=2',
      `PATCH /repos/octo-org/models/issues/comments/${mine.id}`,
    ]);
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
