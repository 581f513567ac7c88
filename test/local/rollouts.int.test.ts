// Shadow and canary rollouts on a real daemon, with real Python replicas under concurrent load.
// The controller's clock is driven through the admin route `POST /admin/models/<m>/step` (it ends
// the current step now): the daemon runs in its own process, started by the CLI, so no clock can
// be injected there, and intervals are declared 1h so the daemon's own timer never moves a step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject } from '../support/local-daemon.ts';
import { adderStatus, adderYaml, addV, canary, load, shadow } from '../support/rollout-load.ts';

test('shadow, then canary step by step, then a failing canary rolled back at its first step', async () => {
  const p = await localProject({ 'models.yaml': adderYaml(shadow), 'm/add.py': addV(1) });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'load');

    // Shadow: every live answer from build 1; build 2 gets copies, compared and never returned.
    p.fx.write('m/add.py', addV(2));
    p.fx.commitAll('v2');
    await p.ok('apply', '--yes');
    let adder = await adderStatus(p);
    assert.is(adder.deploymentId, 1);
    assert.is(adder.rollout.strategy, 'shadow');
    const mirrored = await load(p, apiKey, 4, 50);
    assert.equal(mirrored.failures, []);
    assert.equal([...mirrored.byVersion], [[1, 200]], 'the live answers come from the live build');
    const comparison = await eventually('compared shadow answers', async () => {
      const c = (await adderStatus(p)).rollout.comparison;
      return c.compared > 0 ? c : undefined;
    });
    assert.is(comparison.live.calls, 200);
    // Each answered live call is mirrored once, or dropped (and counted) when the shadow is busy.
    await eventually('every copy answered or dropped', async () => {
      const r = (await adderStatus(p)).rollout;
      return r.comparison.candidate.calls + r.dropped === 200 ? true : undefined;
    });
    // Build 2 answers {"v": 2}: every compared answer changed.
    assert.is(comparison.changed, comparison.compared);
    assert.match(await p.ok('status'), /shadow #2 +mirrors live #1: \d+ copies answered of 200 live calls/);
    assert.match(await p.ok('promote', 'adder'), 'adder: deployment #2 promoted; deployment #1 drained and stopped');
    const d2 = (await p.json<Array<{ id: number; reason: string }>>('deployments', 'adder', '--json')).find((d) => d.id === 2)!;
    assert.match(d2.reason, /shadow promoted \(promoted by hand\): live 200 calls, errors 0\.0 %, p95 [\d.]+ ms; new \d+ calls, errors 0\.0 %, p95 [\d.]+ ms, (\d+) of \1 answers changed/);
    const promoted = await load(p, apiKey, 2, 20);
    assert.equal(promoted.failures, []);
    assert.equal([...promoted.byVersion], [[2, 40]]);

    // Canary: 25 % of a fixed number of calls, within a statistical margin, then 50 %, then all.
    p.fx.write('models.yaml', adderYaml(canary));
    p.fx.write('m/add.py', addV(3));
    p.fx.commitAll('v3 as a canary');
    // The apply report says the deployment began as a canary, not that it was deployed.
    assert.match(await p.ok('apply', '--yes'), '→ deployment #3 started as a canary at 25 %');
    // The deployment being rolled out is what was applied: a plan of the same file changes nothing.
    await p.ok('plan', '--detailed-exitcode');
    adder = await adderStatus(p);
    assert.equal([adder.deploymentId, adder.build, adder.rollout.strategy, adder.rollout.weight], [2, 2, 'canary', 25]);
    assert.match(await p.ok('status'), 'canary #3  step 1/3 (25, 50, 100)  weights: live #2 75 %, canary 25 %');
    const quarter = await load(p, apiKey, 4, 100);
    assert.equal(quarter.failures, []);
    // 400 draws at p = 0.25: mean 100, standard deviation 8.7; ±45 is over 5 deviations.
    const onCanary = quarter.byVersion.get(3) ?? 0;
    assert.ok(onCanary >= 55 && onCanary <= 145, `${onCanary} of 400 calls on the canary`);
    assert.is(onCanary + (quarter.byVersion.get(2) ?? 0), 400);

    // The steps move while calls run: none fails.
    const during = load(p, apiKey, 4, 60);
    const step = await p.admin('POST', 'models/adder/step');
    assert.equal([step.status, step.body.weight, step.body.outcome], [200, 50, 'running']);
    const last = await p.admin('POST', 'models/adder/step');
    assert.equal([last.status, last.body.outcome], [200, 'promoted']);
    assert.equal((await during).failures, []);
    adder = await adderStatus(p);
    assert.is(adder.deploymentId, 3);
    const after = await load(p, apiKey, 2, 20);
    assert.equal([...after.byVersion], [[3, 40]]);

    // A canary whose build raises for one input in five (its example passes) rolls back at step 1.
    p.fx.write('m/add.py', addV(4, 'args["a"] % 5 == 0'));
    p.fx.commitAll('v4, broken');
    await p.ok('apply', '--yes');
    const broken = await load(p, apiKey, 4, 100);
    assert.ok((broken.byVersion.get(4) ?? 0) > 0, 'the canary served calls');
    for (const failure of broken.failures) assert.match(failure, /: 500 .*broken build/);
    const rolledBack = await p.admin('POST', 'models/adder/step');
    assert.is(rolledBack.body.outcome, 'rolled back');
    assert.match(rolledBack.body.reason, /^canary at 25 % rolled back: error rate/);
    adder = await adderStatus(p);
    assert.is(adder.deploymentId, 3);
    const text = await p.ok('status');
    assert.match(text, 'rolled back: error rate');
    const deployments = await p.json<Array<{ id: number; status: string; reason: string }>>('deployments', 'adder', '--json');
    const d4 = deployments.find((d) => d.id === 4)!;
    assert.is(d4.status, 'failed');
    assert.match(d4.reason, 'canary at 25 % rolled back: error rate');
    const back = await load(p, apiKey, 4, 25);
    assert.equal(back.failures, []);
    assert.equal([...back.byVersion], [[3, 100]]);
    // Its replicas stopped.
    assert.is((await p.replicaStats('adder')).filter((r) => /^adder-\d+-4-/.test(r.id) && r.state === 'ready').length, 0);
    const noRollout = await p.cli('promote', 'adder');
    assert.is.not(noRollout.status, 0);
    assert.match(noRollout.stderr, 'adder has no rollout in progress');
  } finally {
    await p.cleanup();
  }
});

test.run();
