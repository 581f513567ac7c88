// `slipway prune` through the daemon, on real snapshot builds and dependency virtualenvs: old
// builds and unused virtualenvs go, the deployed build and the newest stay, and a revert to a
// pruned build builds it again under a new number instead of pointing at a missing folder.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: prune
models:
  - name: adder
    file: adder/add.py
    function: add
    auth: false
`;
const code = (extra: string) => `def add(args):\n    return args["a"] + args["b"]${extra}\n`;
const script = (n: number) => `echo "dependencies ${n}"\n`;

type Report = { dryRun: boolean; builds: Array<{ model: string; number: number; bytes: number }>; deps: Array<{ hash: string; bytes: number }>; content: { files: number; bytes: number }; bytes: number };

test('prune keeps the deployed and newest builds, removes the rest and unused virtualenvs; a revert to a pruned build rebuilds it', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'adder/add.py': code(''), 'adder/build.sh': script(1) });
  const builds = (n: number) => path.join(p.root, '.slipway', 'builds', 'adder', String(n));
  const depsFolders = () => readdirSync(path.join(p.root, '.slipway', 'deps'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  try {
    const port = String(p.port);
    await p.ok('apply', '--yes', '--port', port); // #1, dependencies A
    p.fx.write('adder/add.py', code(' + 0'));
    await p.ok('apply', '--yes'); // #2, A reused
    p.fx.write('adder/build.sh', script(2));
    await p.ok('apply', '--yes'); // #3, dependencies B
    p.fx.write('adder/add.py', code(' + 0 * 2'));
    await p.ok('apply', '--yes'); // #4, B reused; deployed
    const [depsA, depsB] = [readBuildDeps(builds(1)), readBuildDeps(builds(4))];
    assert.is.not(depsA, depsB);
    assert.equal(depsFolders(), [depsA, depsB].sort());
    // add.py three times, build.sh twice: builds link to the content store.
    const contentFiles = () => readdirSync(path.join(p.root, '.slipway', 'content')).filter((name) => !name.startsWith('.')).length;
    assert.is(contentFiles(), 5);

    // Just made: the default minimum age spares everything. Then prune as if an hour had passed.
    assert.match(await p.ok('prune', '--keep', '1'), 'Nothing to prune.');
    const later = () => new Date(Date.now() + 3_600_000).toISOString();

    const dry = await p.json<Report>('prune', '--keep', '1', '--now', later(), '--dry-run', '--json');
    assert.equal(dry.builds.map((b) => b.number), [1, 2, 3]);
    assert.equal(dry.deps.map((d) => d.hash), [depsA]);
    assert.is(dry.content.files, 3);
    assert.ok(dry.bytes > 0);
    assert.ok([1, 2, 3, 4].every((n) => existsSync(builds(n))), 'a dry run removes nothing');

    const text = await p.ok('prune', '--keep', '1', '--now', later());
    assert.match(text, 'removed adder #1, #2, #3');
    assert.match(text, `removed dependencies ${depsA.slice(0, 12)}`);
    assert.equal([1, 2, 3, 4].map((n) => existsSync(builds(n))), [false, false, false, true]);
    assert.equal(depsFolders(), [depsB]);
    assert.is(contentFiles(), 2, 'content that only pruned builds used is removed; what build #4 links stays');
    const history = await p.json<Array<{ number: number; status: string }>>('builds', 'adder', '--json');
    assert.equal(history.map((b) => [b.number, b.status]), [[1, 'pruned'], [2, 'pruned'], [3, 'pruned'], [4, 'succeeded']]);
    assert.is((await p.call('adder', { a: 2, b: 3 })).body.response, 5, 'the deployed build still serves');

    // Back to the first build's files: its key's build is gone, so it is built again, as #5.
    p.fx.write('adder/add.py', code(''));
    p.fx.write('adder/build.sh', script(1));
    const planned = await p.json<{ changes: Array<{ action: string; build: { number: number; reused: boolean }; reasons: string[] }> }>('plan', '--json');
    assert.is(planned.changes[0].action, 'rebuild');
    assert.is(planned.changes[0].build.number, 5);
    assert.is(planned.changes[0].build.reused, false);
    assert.match(planned.changes[0].reasons.join('\n'), 'build #1 with this key was pruned');
    await p.ok('apply', '--yes');
    assert.ok(existsSync(builds(5)));
    assert.is((await p.call('adder', { a: 2, b: 3 })).body.response, 5);

    // A rollback to #4: the deployed build (#4) and the newest (#5) both stay.
    p.fx.write('adder/add.py', code(' + 0 * 2'));
    p.fx.write('adder/build.sh', script(2));
    await p.ok('apply', '--yes');
    assert.match(await p.ok('prune', '--keep', '1', '--now', later()), 'Nothing to prune.');
    assert.ok(existsSync(builds(4)) && existsSync(builds(5)));

    // Without a daemon it prunes on the store directly; bad flags are refused before anything runs.
    await p.down();
    const offline = await p.json<Report>('prune', '--keep', '1', '--now', later(), '--dry-run', '--json');
    assert.equal([offline.dryRun, offline.builds, offline.deps], [true, [], []]);
    const refused = await p.cli('prune', '--keep', '0');
    assert.is(refused.status, 1);
    assert.match(refused.stderr, '--keep 0: give a whole number of builds, 1 or more');
  } finally {
    await p.cleanup();
  }
});

/** The dependency hash a build folder's build.json names. */
function readBuildDeps(folder: string): string {
  return (JSON.parse(readFileSync(path.join(folder, 'build.json'), 'utf8')) as { deps: string }).deps;
}

test.run();
