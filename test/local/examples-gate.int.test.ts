// Examples gate traffic: a new deployment's replicas answer the model's examples, called directly,
// before the gateway's route moves to them. A wrong answer leaves the previous deployment serving
// under load (no call answered by the failing one), marks the new deployment failed with the
// results, and apply exits 1. `--no-gate` keeps the old order: traffic first, examples after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: gate
models:
  - name: doubler
    file: m/double.py
    function: predict
    auth: false
    replicas: 2
    example:
      input: {"x": 2}
      output: {"y": 4}
`;

const model = (factor: number) => `def predict(args):
    return {"y": args["x"] * ${factor}}
`;

const CLIENTS = 4;
const MAX_CALLS_PER_CLIENT = 50_000;

test('a wrong example never takes traffic: old answers flow under load, 0 calls reach the failing deployment', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/double.py': model(2) });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));

    let done = false;
    const failures: string[] = [];
    /** Calls answered per deployment id, from ReplicaID `<model>-<build>-<deployment>-<random>`. */
    const servedBy = new Map<number, number>();
    const client = async (n: number): Promise<void> => {
      for (let i = 0; i < MAX_CALLS_PER_CLIENT && !done; i++) {
        const answer = await p.call('doubler', { x: n + i });
        if (answer.status !== 200 || answer.body.response?.y !== (n + i) * 2) {
          failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        const id = Number(/^doubler-\d+-(\d+)-/.exec(answer.body.ReplicaID)?.[1]);
        servedBy.set(id, (servedBy.get(id) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));

    p.fx.write('m/double.py', model(3));
    p.fx.commitAll('a wrong factor');
    const applied = await p.cli('apply', '--yes');
    done = true;
    await Promise.all(clients);

    assert.is(applied.status, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /✗ doubler: rebuild build #2 → deployment #2: 1 of 1 examples failed on deployment #2 before it took traffic; it is marked failed and the previous deployment keeps serving/);
    assert.match(applied.stdout, /example 1: FAIL .*\{"x":2\} → \{"y":6\}/);
    assert.match(applied.stdout, 'Apply finished with failures.');
    assert.equal(failures, []);
    assert.is(servedBy.get(2) ?? 0, 0, 'no call was answered by the failing deployment');
    assert.ok((servedBy.get(1) ?? 0) > 0, 'the previous deployment answered the calls');

    const deployments = await p.json<Array<{ id: number; status: string }>>('deployments', 'doubler', '--json');
    assert.equal(deployments.map((d) => [d.id, d.status]), [[1, 'active'], [2, 'failed']]);
    const history = await p.ok('deployments', 'doubler');
    assert.match(history, /^#1 +build #1 +active +replicas 2/m);
    assert.match(history, /^#2 +build #2 +failed \(examples\) .*\n {4}example 1 failed before it took traffic: \$\.y: expected 4, got 6/m);
    // Every deployment says what its gate found, in `deployments` and in `history` (text and JSON).
    assert.match(history, /^#1 .* examples 1\/1 passed {2}/m);
    assert.match(history, /^#2 .* examples 0\/1 passed, failed 1 {2}/m);
    const timeline = await p.ok('history', 'doubler');
    assert.match(timeline, /^doubler {2}#1 .* examples 1\/1 passed/m);
    assert.match(timeline, /^doubler {2}#2 .* examples 0\/1 passed, failed 1/m);
    const entries = await p.json<Array<{ deploymentId: number; gate: { passed: boolean; results: Array<{ index: number; pass: boolean; detail: string | null }> } | null }>>('history', 'doubler', '--json');
    assert.equal(entries.map((e) => [e.deploymentId, e.gate?.passed]), [[1, true], [2, false]]);
    assert.equal(entries[1].gate!.results, [{ index: 0, pass: false, detail: '$.y: expected 4, got 6: off by 2' }]);
    const status = await p.status();
    assert.is(status.models[0].deploymentId, 1);
    assert.equal(status.models[0].replicaStats.map((r) => r.id.split('-')[2]), ['1', '1'], 'the failing replicas are stopped');
    const after = await p.call('doubler', { x: 5 });
    assert.equal(after.body.response, { y: 10 });

    // --no-gate: traffic moves first, the examples run after (and fail): today's behaviour.
    const ungated = await p.cli('apply', '--yes', '--no-gate');
    assert.is(ungated.status, 1, ungated.stdout + ungated.stderr);
    assert.match(ungated.stdout, /✗ doubler: rebuild build #2 \(reused\) → deployment #3\n/);
    assert.match(ungated.stdout, /example 1: FAIL/);
    assert.equal((await p.call('doubler', { x: 5 })).body.response, { y: 15 });
  } finally {
    await p.cleanup();
  }
});

test('gate: false in models.yaml deploys first and tests after; a passing gate moves traffic', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml.replace('    replicas: 2\n', '    replicas: 1\n    gate: false\n'), 'm/double.py': model(2) });
  try {
    await p.ok('apply', '--yes', '--port', String(p.port));
    p.fx.write('m/double.py', model(3));
    p.fx.commitAll('a wrong factor');
    const applied = await p.cli('apply', '--yes');
    assert.is(applied.status, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /✗ doubler: rebuild build #2 → deployment #2\n/);
    assert.equal((await p.call('doubler', { x: 5 })).body.response, { y: 15 }, 'ungated: the new code serves');

    p.fx.write('models.yaml', modelsYaml);
    p.fx.write('m/double.py', `# fixed\n${model(2)}`);
    p.fx.commitAll('gated again, and fixed');
    const fixed = await p.cli('apply', '--yes');
    assert.is(fixed.status, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /✓ doubler: rebuild build #3 → deployment #3\n {4}example 1: pass/);
    assert.equal((await p.call('doubler', { x: 5 })).body.response, { y: 10 });
  } finally {
    await p.cleanup();
  }
});

test.run();
