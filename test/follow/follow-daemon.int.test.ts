// A real daemon follows a real bare remote: `slipway up --follow origin/main` and `slipway follow
// check` (the fetch trigger; the interval is an hour, so no timer fires). Each push, a revert and a
// force-push to an older commit are applied with examples gating traffic; a commit already applied
// is not applied again; the user's working tree is never touched; every deployment records the
// commit and `follow:origin/main`; the commit status `slipway/<host>` goes to (fake) GitHub.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { localProject } from '../support/local-daemon.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { slipwayAsync } from '../support/cli.ts';
import { startFakeGitHub } from '../support/fake-github.ts';

const modelsYaml = `version: 1
project: follow
models:
  - name: doubler
    file: m/double.py
    function: predict
    auth: false
    example:
      input: {"x": 2}
      output: {"y": 4}
`;
const model = (body: string) => `def predict(args):\n    return ${body}\n`;

test('a daemon follows a branch: push, revert, force-push, a failing commit kept failed; nothing applied twice', async () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'slipway-follow-remote-')));
  const remote = path.join(base, 'models.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': model('{"y": args["x"] * 2}') });
  const github = await startFakeGitHub({ token: 'ghs_follow' });
  const dev = gitFixture();
  try {
    p.fx.git('remote', 'add', 'origin', remote);
    p.fx.git('push', '-q', 'origin', 'HEAD:main');
    const c1 = p.fx.git('rev-parse', 'HEAD');
    dev.git('remote', 'add', 'origin', remote);
    dev.git('fetch', '-q', 'origin');
    dev.git('reset', '-q', '--hard', 'origin/main');
    const push = (...extra: string[]) => dev.git('push', '-q', ...extra, 'origin', 'HEAD:main');

    const env = { SLIPWAY_GITHUB_TOKEN: 'ghs_follow', SLIPWAY_GITHUB_REPOSITORY: 'octo/models', SLIPWAY_GITHUB_API_URL: github.url };
    const up = await slipwayAsync(p.root, ['up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port)], env);
    p.daemonFile();
    assert.is(up.status, 0, up.stderr);
    assert.match(up.stdout, `following origin/main (${remote})`);

    type Check = { result: string; state: { applied: { commit: string; outcome: string; message: string | null } | null } };
    const check = async (): Promise<Check> => {
      const answer = await p.admin('POST', 'follow/check');
      assert.is(answer.status, 200, JSON.stringify(answer.body));
      return answer.body as Check;
    };
    const doubled = async () => (await p.call('doubler', { x: 5 })).body.response;

    // The first check starts with the daemon; this one waits for it.
    let checked = await check();
    assert.equal([checked.state.applied?.commit, checked.state.applied?.outcome], [c1, 'applied']);
    assert.equal(await doubled(), { y: 10 });

    dev.write('m/double.py', model('{"y": args["x"] + args["x"]}'));
    const c2 = dev.commitAll('same answers, new code');
    push();
    checked = await check();
    assert.equal([checked.result, checked.state.applied?.commit], ['applied', c2]);
    assert.is((await check()).result, 'up-to-date');

    dev.write('m/double.py', model('{"y": args["x"] * 3}'));
    const bad = dev.commitAll('wrong answers');
    push();
    checked = await check();
    assert.equal([checked.result, checked.state.applied?.commit], ['failed', bad]);
    assert.match(checked.state.applied!.message!, 'examples failed');
    assert.is((await check()).result, 'up-to-date', 'a failed commit is not retried');
    assert.equal(await doubled(), { y: 10 }, 'the gate kept the previous deployment serving');

    // A restarted daemon follows again and still does not retry the failed commit.
    await p.ok('down');
    const again = await slipwayAsync(p.root, ['up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port)], env);
    p.daemonFile();
    assert.is(again.status, 0, again.stderr);
    checked = await check();
    assert.ok(['up-to-date', 'busy'].includes(checked.result), checked.result);
    assert.equal([checked.state.applied?.commit, checked.state.applied?.outcome], [bad, 'failed']);
    assert.equal(await doubled(), { y: 10 });

    await p.ok('follow', 'stop');
    assert.is((await p.admin('POST', 'follow/check')).status, 409, 'stopped: nothing to check');
    assert.match(await p.ok('follow', 'status'), 'not following');
    await p.ok('up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port));

    dev.git('revert', '--no-edit', bad);
    const c4 = dev.git('rev-parse', 'HEAD');
    push();
    checked = await check();
    // The revert brings back c2's files, which serve already: planned, nothing to change.
    assert.equal([checked.result, checked.state.applied?.commit], ['unchanged', c4]);

    dev.git('reset', '-q', '--hard', c1);
    push('--force');
    checked = await check();
    assert.equal([checked.result, checked.state.applied?.commit], ['applied', c1]);
    assert.equal(await doubled(), { y: 10 });

    const timeline = await p.json<Array<{ deploymentId: number; commit: string; actor: string; status: string }>>('history', 'doubler', '--json');
    assert.equal(
      timeline.map((e) => [e.commit, e.status]),
      [[c1, 'superseded'], [c2, 'superseded'], [bad, 'failed'], [c1, 'active']],
      'one deployment per commit that changed something',
    );
    assert.ok(timeline.every((e) => e.actor === 'follow:origin/main'));

    const status = await p.ok('follow', 'status');
    assert.match(status, `applied ${c1.slice(0, 12)}`);
    assert.match(status, `fetched ${c1.slice(0, 12)}`);

    assert.is(p.fx.git('rev-parse', 'HEAD'), c1, "the user's checkout stays where it was");
    assert.is(p.fx.git('status', '--porcelain'), '', "the user's working tree is untouched");
    assert.ok(existsSync(path.join(p.root, '.slipway', 'follow', 'checkout', 'models.yaml')));

    const statuses = github.writes().filter((r) => r.path.startsWith('/repos/octo/models/statuses/'));
    const final = (sha: string) => statuses.filter((r) => r.path.endsWith(sha)).map((r) => (r.body as { state: string; context: string }));
    assert.ok(statuses.length >= 8, `statuses: ${statuses.length}`);
    assert.ok(statuses.every((r) => r.authorization === 'token ghs_follow' || r.authorization === 'Bearer ghs_follow'), JSON.stringify(statuses[0]));
    assert.equal(final(bad).map((s) => s.state), ['pending', 'failure']);
    assert.equal(final(c2).map((s) => s.state), ['pending', 'success']);
    assert.equal(final(c4).map((s) => s.state), ['pending', 'success']);
    assert.ok(statuses.every((r) => (r.body as { context: string }).context === `slipway/${hostname()}`));
  } finally {
    await p.cleanup();
    await github.close();
    dev.remove();
    rmSync(base, { recursive: true, force: true });
  }
});

test('follow status shows a failing fetch; --follow of a remote that does not exist says how to add it', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': model('{"y": args["x"] * 2}') });
  try {
    const missing = await p.cli('up', '--follow', 'upstream/main', '--interval', '1h', '--port', String(p.port));
    assert.is(missing.status, 1);
    assert.match(missing.stderr, 'git remote add upstream');

    p.fx.git('remote', 'add', 'origin', path.join(p.root, 'no-such-remote.git'));
    await p.ok('up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port));
    const answer = await p.admin('POST', 'follow/check');
    assert.ok(['fetch-failed', 'backing-off', 'busy'].includes(answer.body.result), JSON.stringify(answer.body));
    const status = await p.ok('follow', 'status');
    assert.match(status, 'fetch FAILING (1 in a row');
    assert.match(await p.ok('status'), /following origin\/main: nothing applied yet; fetch FAILING 1 in a row/);
    const bad = await p.cli('up', '--follow', 'origin/main', '--interval', '1s', '--port', String(p.port));
    assert.is(bad.status, 1);
    assert.match(bad.stderr, 'at most every 5 seconds');
  } finally {
    await p.cleanup();
  }
});

test('`follow:` in a local target: `up --target` follows its branch; other targets are refused with the reason', async () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'slipway-follow-target-')));
  const remote = path.join(base, 'models.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const withTargets = `${modelsYaml}targets:
  server:
    backend: local
    follow: {branch: origin/main, interval: 1h}
  laptop:
    backend: local
  cluster:
    backend: kubernetes
    registry: registry.example.com/ml
`;
  const p = await localProject({ 'models.yaml': withTargets, 'm/double.py': model('{"y": args["x"] * 2}') });
  try {
    p.fx.git('remote', 'add', 'origin', remote);
    p.fx.git('push', '-q', 'origin', 'HEAD:main');
    const head = p.fx.git('rev-parse', 'HEAD');

    const unknown = await p.cli('up', '--target', 'nope', '--port', String(p.port));
    assert.is(unknown.status, 1);
    assert.match(unknown.stderr, 'declares no target "nope" (targets: server, laptop, cluster)');
    const cluster = await p.cli('up', '--target', 'cluster', '--port', String(p.port));
    assert.is(cluster.status, 1);
    assert.match(cluster.stderr, 'slipway apply --target cluster');

    const up = await p.ok('up', '--target', 'server', '--port', String(p.port));
    p.daemonFile();
    assert.match(up, `following origin/main (${remote}) every 3600 s`);
    const checked = (await p.admin('POST', 'follow/check')).body as { state: { applied: { commit: string; outcome: string } | null } };
    assert.equal([checked.state.applied?.commit, checked.state.applied?.outcome], [head, 'applied']);
    assert.equal((await p.call('doubler', { x: 5 })).body.response, { y: 10 });
    assert.match(await p.ok('follow', 'status'), `applied ${head.slice(0, 12)}`);
  } finally {
    await p.cleanup();
    rmSync(base, { recursive: true, force: true });
  }
});

test.run();
