// `slipway up -d` watches the working tree with a native recursive watcher: every way an editor,
// a shell or git changes files is seen and redeployed. Each case asserts the deployment that
// answers and its answer, never how long it took.
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: watch
models:
  - name: greeter
    file: m/greet.py
    function: greet
    auth: false
`;

// The answer names the word in greet.py and every note.txt under the model's folder, so a test
// sees which files the deployment was built from.
const greet = (word: string) => `import pathlib

WORD = "${word}"

def greet(args):
    notes = sorted(str(p) + "=" + p.read_text().strip() for p in pathlib.Path(".").rglob("note.txt"))
    return {"word": WORD, "notes": notes}
`;

type Answer = { word: string; notes: string[] };

async function served(p: LocalProject, what: string, want: (a: Answer) => boolean): Promise<{ answer: Answer; deploymentId: number }> {
  return eventually(what, async () => {
    const call = await p.call('greeter', {});
    if (call.status !== 200 || !want(call.body.response)) return undefined;
    const status = await p.admin('GET', 'status');
    const model = status.body.models.find((m: { model: string }) => m.model === 'greeter');
    return { answer: call.body.response as Answer, deploymentId: model.deploymentId as number };
  }, 600);
}

async function deploymentCount(p: LocalProject): Promise<number> {
  return (await p.json<unknown[]>('deployments', 'greeter', '--json')).length;
}

test('rename-over, delete and re-create, git checkout, a new untracked file, a folder made after start: each is redeployed', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/greet.py': greet('Hello') });
  try {
    // A branch that changes the word and adds 200 files to the model's folder, made before the
    // daemon starts; the working tree is back on main.
    p.fx.git('checkout', '-q', '-b', 'wide');
    p.fx.write('m/greet.py', greet('Branch'));
    for (let i = 0; i < 200; i++) p.fx.write(`m/data/f-${i}.dat`, `${i}\n`);
    p.fx.commitAll('wide');
    p.fx.git('checkout', '-q', 'main');

    await p.ok('up', '-d', '--port', String(p.port));
    let last = await served(p, 'the first deployment', (a) => a.word === 'Hello');

    // An editor saving by rename: write a temp file, rename it over the original.
    p.fx.write('m/greet.py.swp', greet('Renamed'));
    renameSync(path.join(p.root, 'm/greet.py.swp'), path.join(p.root, 'm/greet.py'));
    let now = await served(p, 'the rename-over', (a) => a.word === 'Renamed');
    assert.ok(now.deploymentId > last.deploymentId);
    last = now;

    // The file replaced by rename is still watched: a plain write after it is seen too.
    p.fx.write('m/greet.py', greet('Written'));
    now = await served(p, 'a write after the rename-over', (a) => a.word === 'Written');
    assert.ok(now.deploymentId > last.deploymentId);
    last = now;

    // Deleted, then created again.
    unlinkSync(path.join(p.root, 'm/greet.py'));
    p.fx.write('m/greet.py', greet('Recreated'));
    now = await served(p, 'the re-created file', (a) => a.word === 'Recreated');
    assert.ok(now.deploymentId > last.deploymentId);
    last = now;

    // A checkout of a branch that changes 201 files: one apply, one new deployment.
    p.fx.git('checkout', '-q', '--', '.');
    const before = await deploymentCount(p);
    await served(p, 'main again', (a) => a.word === 'Hello');
    const afterRestore = await deploymentCount(p);
    assert.ok(afterRestore >= before);
    p.fx.git('checkout', '-q', 'wide');
    now = await served(p, 'the checked-out branch', (a) => a.word === 'Branch');
    assert.is(await deploymentCount(p), afterRestore + 1, 'a checkout of 201 files is one deployment');
    last = now;

    // A new file git does not track yet.
    p.fx.write('m/note.txt', 'untracked');
    now = await served(p, 'the untracked file', (a) => a.notes.includes('note.txt=untracked'));
    assert.ok(now.deploymentId > last.deploymentId);
    last = now;

    // A folder made after the start, and a change inside it.
    p.fx.write('m/later/deep/note.txt', 'first');
    now = await served(p, 'the file in a new folder', (a) => a.notes.includes('later/deep/note.txt=first'));
    last = now;
    p.fx.write('m/later/deep/note.txt', 'second');
    now = await served(p, 'the change inside the new folder', (a) => a.notes.includes('later/deep/note.txt=second'));
    assert.ok(now.deploymentId > last.deploymentId);
    assert.equal(now.answer, { word: 'Branch', notes: ['later/deep/note.txt=second', 'note.txt=untracked'] });
  } catch (error) {
    // What the watcher saw and applied, to tell a missed event from a failed apply.
    console.log(readFileSync(path.join(p.root, '.slipway', 'daemon.log'), 'utf8').split('\n').slice(-60).join('\n'));
    throw error;
  } finally {
    await p.cleanup();
  }
});

test.run();
