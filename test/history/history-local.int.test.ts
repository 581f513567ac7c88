// `slipway history --at` over real applies on the local daemon: create, rebuild, reconfigure,
// rollback and delete, each answered at an instant taken between applies, with the commit and who
// applied it; the timeline and the audit export hold every deployment with its commit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { localProject } from '../support/local-daemon.ts';
import { actorKind, applyActor } from '../../src/history/actor.ts';

const yaml = (models: string[]): string => `version: 1
project: hist
models:
${models.join('\n')}
`;
const adder = (replicas: number) => `  - name: adder
    file: m/add.py
    function: add
    replicas: ${replicas}
    env:
      GREETING: "a literal value that history never shows"
    example:
      input: {"a": 3, "b": 5}
      output: 8`;
const keeper = `  - name: keeper
    file: m/add.py
    function: add
    example:
      input: {"a": 1, "b": 1}
      output: 2`;

const addV1 = 'def add(args):\n    return args["a"] + args["b"]\n';
const addV2 = '# v2\ndef add(args):\n    return sum([args["a"], args["b"]])\n';

type Live = { models: Array<{ model: string; deploymentId: number; build: number; commit: string | null; actor: string; actorKind: string; serving: { replicas: number; env: string[] } }> };

test('history --at answers across create, rebuild, reconfigure, rollback and delete', async () => {
  const p = await localProject({ 'models.yaml': yaml([adder(1), keeper]), 'm/add.py': addV1 });
  try {
    // The CLI runs in this process's environment: `user:NAME` at a terminal, `ci:…` under CI=true.
    const actor = applyActor(process.env);
    const c1 = p.fx.git('rev-parse', 'HEAD');
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    await p.ok('apply', '--yes');
    const afterCreate = new Date().toISOString();

    p.fx.write('m/add.py', addV2);
    const c2 = p.fx.commitAll('v2');
    await p.ok('apply', '--yes');
    const afterRebuild = new Date().toISOString();

    p.fx.write('models.yaml', yaml([adder(2), keeper]));
    const c3 = p.fx.commitAll('two replicas');
    await p.ok('apply', '--yes');
    const afterReconfigure = new Date().toISOString();

    p.fx.git('revert', '--no-edit', c2);
    const c4 = p.fx.git('rev-parse', 'HEAD');
    const rollback = await p.ok('apply', '--yes');
    assert.match(rollback, /adder: rollback build #1 \(reused\)/);
    const afterRollback = new Date().toISOString();

    p.fx.write('models.yaml', yaml([keeper]));
    p.fx.commitAll('adder retired');
    await p.ok('apply', '--yes');
    const afterDelete = new Date().toISOString();

    const liveAt = async (at: string) => {
      const out = await p.json<Live>('history', 'adder', '--at', at, '--json');
      return out.models;
    };
    const one = async (at: string) => {
      const models = await liveAt(at);
      assert.is(models.length, 1, `one deployment of adder at ${at}: ${JSON.stringify(models)}`);
      return models[0];
    };

    const created = await one(afterCreate);
    assert.equal([created.deploymentId, created.build, created.commit], [1, 1, c1]);
    assert.is(created.actor, actor);
    assert.is(created.actorKind, actorKind(actor));
    assert.equal(created.serving.env, ['GREETING'], 'env by name only');

    const rebuilt = await one(afterRebuild);
    assert.equal([rebuilt.build, rebuilt.commit, rebuilt.serving.replicas], [2, c2, 1]);

    const reconfigured = await one(afterReconfigure);
    assert.equal([reconfigured.build, reconfigured.commit, reconfigured.serving.replicas], [2, c3, 2]);

    const rolledBack = await one(afterRollback);
    assert.equal([rolledBack.build, rolledBack.commit, rolledBack.serving.replicas], [1, c4, 2]);

    assert.equal(await liveAt(afterDelete), [], 'deleted: nothing serves adder');
    const everything = await p.json<Live>('history', '--at', afterDelete, '--json');
    assert.equal(everything.models.map((m) => m.model), ['keeper']);

    const text = await p.ok('history', 'adder', '--at', afterReconfigure);
    assert.match(text, `adder  deployment #${reconfigured.deploymentId}  build #2`);
    assert.match(text, `commit ${c3.slice(0, 8)}`);
    assert.not.match(text, 'never shows');

    const timeline = await p.ok('history', 'adder');
    assert.is(timeline.trimEnd().split('\n').length, 4, timeline);
    assert.match(timeline, '(deleted)');

    await p.ok('history', '--export', 'audit.jsonl');
    const exported = readFileSync(path.join(p.root, 'audit.jsonl'), 'utf8');
    assert.not.match(exported, 'never shows', 'no env value in the export');
    const lines = exported.trimEnd().split('\n').map((l) => JSON.parse(l) as { model: string; commit: string | null });
    assert.is(lines.length, 7, 'four of adder; three of keeper (it shares m/add.py: created, rebuilt, rolled back)');
    assert.ok(lines.every((l) => l.commit !== null && /^[0-9a-f]{40}$/.test(l.commit)), exported);

    const bad = await p.cli('history', '--at', 'yesterday');
    assert.is(bad.status, 1);
    assert.match(bad.stderr, '2026-11-20T14:00Z');
  } finally {
    await p.cleanup();
  }
});

test.run();
