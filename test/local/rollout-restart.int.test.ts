// A canary and a shadow outlive a daemon restart: `slipway down`, `slipway up -d`, and the rollout
// is at the same step with the same counters and deadline, its candidate's replicas run again
// beside the live ones, calls keep succeeding, and it goes on to promote. A daemon killed outright
// goes on from the counters its timer saved. The rollout is read back
// from the store's `rollouts` table (SQLite, inspected directly). Steps are driven through the admin
// route `POST /admin/models/<m>/step`; intervals are 1h so the daemon's own timer never moves one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { eventually, localProject, processRunning, type LocalProject } from '../support/local-daemon.ts';
import { adderStatus, adderYaml, addV, canary, load, shadow } from '../support/rollout-load.ts';

/** The rows of the store's rollouts table, read with SQLite itself (the daemon is stopped). */
function savedRollouts(p: LocalProject): Array<{ model: string; snapshot: any; dropped: number; finished: any }> {
  const db = new DatabaseSync(path.join(p.root, '.slipway', 'state.db'), { readOnly: true });
  try {
    return (db.prepare('SELECT model, snapshot, dropped, finished FROM rollouts').all() as Array<{ model: string; snapshot: string | null; dropped: number; finished: string | null }>)
      .map((r) => ({ ...r, snapshot: JSON.parse(r.snapshot ?? 'null'), finished: JSON.parse(r.finished ?? 'null') }));
  } finally {
    db.close();
  }
}

const canaryReplicasReady = (p: LocalProject, deploymentId: number) =>
  eventually(`the replicas of deployment #${deploymentId} ready`, async () => {
    const ready = (await p.replicaStats('adder')).filter((r) => new RegExp(`^adder-\\d+-${deploymentId}-`).test(r.id) && r.state === 'ready');
    return ready.length === 2 ? ready : undefined;
  });

test('a canary goes on after a daemon restart: same step, counters and deadline; no call fails; then it promotes', async () => {
  const p = await localProject({ 'models.yaml': adderYaml(canary), 'm/add.py': addV(1) });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'load');
    p.fx.write('m/add.py', addV(2));
    p.fx.commitAll('v2 as a canary');
    await p.ok('apply', '--yes');
    assert.equal((await load(p, apiKey, 4, 25)).failures, []);
    const step = await p.admin('POST', 'models/adder/step');
    assert.equal([step.body.outcome, step.body.weight], ['running', 50]);
    assert.equal((await load(p, apiKey, 4, 30)).failures, []);
    const before = (await adderStatus(p)).rollout;
    assert.is(before.comparison.live.calls + before.comparison.candidate.calls, 120);

    await p.down();
    const rows = savedRollouts(p);
    assert.equal(rows.map((r) => [r.model, r.snapshot.state.step, r.snapshot.state.candidateDeploymentId]), [['adder', 1, 2]]);
    assert.is(rows[0].snapshot.window.live.calls, before.comparison.live.calls, 'the counters were saved at stop');

    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const after = await adderStatus(p);
    assert.is(after.deploymentId, 1, 'the live deployment serves again');
    const r = after.rollout;
    assert.equal([r.strategy, r.outcome, r.step, r.weight, r.candidateDeploymentId], ['canary', 'running', 1, 50, 2]);
    assert.is(r.nextAt, before.nextAt, 'the deadline is the saved one');
    assert.is(r.stepStartedAt, before.stepStartedAt);
    assert.equal(r.comparison.live.calls, before.comparison.live.calls);
    assert.equal(r.comparison.candidate.calls, before.comparison.candidate.calls);
    assert.equal(r.comparison.candidate.p95Ms, before.comparison.candidate.p95Ms);
    assert.equal(r.earlier, before.earlier);
    await canaryReplicasReady(p, 2);
    assert.match(await p.ok('status'), 'canary #2  step 2/3 (25, 50, 100)  weights: live #1 50 %, canary 50 %');
    // The record of the candidate still says it is being rolled out, not failed.
    const d2 = (await p.json<Array<{ id: number; status: string }>>('deployments', 'adder', '--json')).find((d) => d.id === 2)!;
    assert.is(d2.status, 'deploying');

    // Traffic after the restart: both builds answer, none fails, and the counters go on from the saved ones.
    const resumed = await load(p, apiKey, 4, 50);
    assert.equal(resumed.failures, []);
    assert.ok((resumed.byVersion.get(2) ?? 0) > 0 && (resumed.byVersion.get(1) ?? 0) > 0, JSON.stringify([...resumed.byVersion]));
    const counted = (await adderStatus(p)).rollout.comparison;
    assert.is(counted.live.calls + counted.candidate.calls, 120 + 200);

    // The last step promotes while calls run: none fails.
    const during = load(p, apiKey, 4, 40);
    const last = await p.admin('POST', 'models/adder/step');
    assert.equal([last.status, last.body.outcome], [200, 'promoted']);
    assert.equal((await during).failures, []);
    assert.is((await adderStatus(p)).deploymentId, 2);
    const promoted = await load(p, apiKey, 2, 20);
    assert.equal([...promoted.byVersion], [[2, 40]]);

    // An ended rollout leaves nothing to resume, and the next daemon still says how it ended.
    await p.down();
    assert.equal(savedRollouts(p).map((r) => [r.model, r.snapshot, r.finished.outcome]), [['adder', null, 'promoted']]);
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const ended = await adderStatus(p);
    assert.equal([ended.deploymentId, ended.rollout.outcome, ended.rollout.candidateDeploymentId], [2, 'promoted', 2]);
    assert.equal(ended.rollout.comparison, last.body.comparison, 'the comparison it ended with');
    const total = last.body.comparison.live.calls + last.body.comparison.candidate.calls;
    assert.ok(total >= 320 && total <= 480, `${total} calls in step 2: 320 before the last load, at most 160 of it`);
  } finally {
    await p.cleanup();
  }
});

test('a shadow goes on after a restart with its comparison; a saved rollout that cannot go on ends with a reason', async () => {
  const p = await localProject({ 'models.yaml': adderYaml(shadow), 'm/add.py': addV(1) });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'load');
    p.fx.write('m/add.py', addV(2));
    p.fx.commitAll('v2 as a shadow');
    await p.ok('apply', '--yes');
    assert.equal((await load(p, apiKey, 2, 40)).failures, []);
    const before = await eventually('every copy answered or dropped', async () => {
      const r = (await adderStatus(p)).rollout;
      return r.comparison.candidate.calls + r.dropped === 80 ? r : undefined;
    });
    await p.down();
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const r = (await adderStatus(p)).rollout;
    assert.equal([r.strategy, r.outcome, r.comparison.compared, r.comparison.changed, r.dropped], ['shadow', 'running', before.comparison.compared, before.comparison.changed, before.dropped]);
    await canaryReplicasReady(p, 2);
    const mirrored = await load(p, apiKey, 2, 20);
    assert.equal(mirrored.failures, []);
    assert.equal([...mirrored.byVersion], [[1, 40]], 'the live answers still come from the live build');
    await eventually('the copies after the restart compared', async () => {
      const c = (await adderStatus(p)).rollout.comparison;
      return c.live.calls === 120 && c.compared > before.comparison.compared ? true : undefined;
    });

    // A saved rollout whose live deployment is no longer the one serving cannot go on: it ends, and says why.
    await p.down();
    const db = new DatabaseSync(path.join(p.root, '.slipway', 'state.db'));
    const row = db.prepare('SELECT snapshot FROM rollouts').get() as { snapshot: string };
    const snapshot = JSON.parse(row.snapshot);
    snapshot.state.liveDeploymentId = 99;
    db.prepare('UPDATE rollouts SET snapshot = ?').run(JSON.stringify(snapshot));
    db.close();
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const d2 = (await p.json<Array<{ id: number; status: string; reason: string }>>('deployments', 'adder', '--json')).find((d) => d.id === 2)!;
    assert.is(d2.status, 'failed');
    assert.match(d2.reason, 'the daemon restarted and its shadow could not go on: deployment #99, which it is compared with, does not serve any more');
    // `up` applies models.yaml: build 2 is not what serves, so a new shadow of it starts from nothing.
    const adder = await adderStatus(p);
    assert.equal([adder.deploymentId, adder.rollout.candidateDeploymentId, adder.rollout.outcome, adder.rollout.comparison.live.calls], [1, 3, 'running', 0]);
    assert.equal(savedRollouts(p).map((r) => [r.snapshot.state.candidateDeploymentId, r.finished.outcome, r.finished.reason]), [[3, 'rolled back', d2.reason.slice(d2.reason.indexOf('the daemon restarted'))]]);
    assert.equal((await load(p, apiKey, 2, 10)).failures, []);
  } finally {
    await p.cleanup();
  }
});

test('a daemon killed outright: the counters saved every 10 s are what the next daemon goes on from', async () => {
  const p = await localProject({ 'models.yaml': adderYaml(canary), 'm/add.py': addV(1) });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'load');
    p.fx.write('m/add.py', addV(2));
    p.fx.commitAll('v2 as a canary');
    await p.ok('apply', '--yes');
    assert.equal((await load(p, apiKey, 4, 10)).failures, []);
    // No stop saves them here: the daemon's own timer does (polled, up to 30 s).
    const saved = await eventually('the counters saved by the timer', async () => {
      const w = savedRollouts(p)[0]?.snapshot?.window;
      return w && w.live.calls + w.candidate.calls === 40 ? w : undefined;
    });
    const pids = [p.daemonFile()!.pid, ...(await p.replicaStats('adder')).map((r) => r.pid!)];
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await eventually('the killed daemon gone', async () => (pids.some(processRunning) ? undefined : true));

    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const r = (await adderStatus(p)).rollout;
    assert.equal([r.outcome, r.step, r.weight], ['running', 0, 25]);
    assert.equal([r.comparison.live.calls, r.comparison.candidate.calls], [saved.live.calls, saved.candidate.calls]);
    await canaryReplicasReady(p, 2);
    assert.equal((await load(p, apiKey, 4, 10)).failures, []);
  } finally {
    await p.cleanup();
  }
});

test.run();
