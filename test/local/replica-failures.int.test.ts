// A replica that crashes mid-call or hangs past its timeout, through the real daemon: the call
// gets its error, the replica is replaced (same id, new process), the next call succeeds, and
// `slipway status --json` counts the restart.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject, processRunning, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

const modelsYaml = `version: 1
project: failures
models:
${modelEntry('crashy', 'echo', ['auth: false'])}
${modelEntry('hangy', 'echo', ['auth: false', 'timeoutSeconds: 0.5'])}
`;

const test = suite('replica failures through the daemon');
let p: LocalProject;

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': behavingModels });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
});
test.after(async () => {
  // Also when `before` failed half-way: whatever started is stopped.
  await p?.cleanup();
});

async function replicaOf(model: string) {
  const m = (await p.status()).models.find((x) => x.model === model)!;
  assert.is(m.replicaStats.length, 1, JSON.stringify(m.replicaStats));
  return m.replicaStats[0];
}

test('crash: the call gets 502 replica.died, the replica restarts, the next call succeeds, the restart is counted', async () => {
  const before = await replicaOf('crashy');
  assert.is(before.restarts, 0);
  const crashed = await p.call('crashy', { exit: true });
  assert.is(crashed.status, 502, JSON.stringify(crashed.body));
  assert.is(crashed.body.errorCode, 'replica.died');
  assert.is(crashed.body.ReplicaID, before.id);

  const next = await p.call('crashy', { after: 'crash' });
  assert.is(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.response, { after: 'crash' });
  assert.is(next.body.ReplicaID, before.id, 'the replica keeps its id across a restart');

  const after = await replicaOf('crashy');
  assert.is(after.restarts, 1);
  assert.is(after.state, 'ready');
  assert.is.not(after.pid, before.pid);
  assert.not.ok(processRunning(before.pid!), 'the crashed process is gone');
  assert.is(after.error, 1);
  assert.is(after.success, 1);
  assert.match(await p.ok('logs', 'crashy'), /^\S+Z crashy-\S+ stdout exiting mid-call$/m);
});

test('hang: the call gets 504 model.timeout, the replica is replaced, the next call succeeds, the restart is counted', async () => {
  const before = await replicaOf('hangy');
  const hung = await p.call('hangy', { sleep: 60 });
  assert.is(hung.status, 504, JSON.stringify(hung.body));
  assert.is(hung.body.errorCode, 'model.timeout');
  assert.is(hung.body.ReplicaID, before.id);

  const next = await p.call('hangy', { after: 'hang' });
  assert.is(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.response, { after: 'hang' });

  const after = await replicaOf('hangy');
  assert.is(after.restarts, 1);
  assert.is(after.state, 'ready');
  assert.is.not(after.pid, before.pid);
  assert.not.ok(processRunning(before.pid!), 'the hung process was killed, not left sleeping');
  assert.is(after.error, 1);
  assert.is(after.success, 1);
});

test('a second crash is counted too, and the model keeps serving', async () => {
  assert.is((await p.call('crashy', { exit: true })).status, 502);
  assert.is((await p.call('crashy', { again: 1 })).status, 200);
  assert.is((await replicaOf('crashy')).restarts, 2);
});

test.run();
