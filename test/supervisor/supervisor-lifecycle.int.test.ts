// The supervisor against real runtime processes on Unix sockets: start, crash restart, replace, stop.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHarness, invoke, isAlive, type Harness } from './supervisor-harness.ts';
import { tcpListeners } from '../support/tcp-listeners.ts';
import { replicaRequest } from '../support/replica-request.ts';

const test = suite<{ h: Harness }>('supervisor lifecycle');

test.before.each((context) => {
  // Restart at once so tests wait on events, not on the backoff.
  context.h = createHarness({ backoff: { initialMs: 1 } });
});
test.after.each(async (context) => {
  await context.h.cleanup();
});

test('N replicas come up ready on distinct private Unix sockets, with no TCP listener', async ({ h }) => {
  const replicas = await h.supervisor.start(h.spec({ model: 'echo', build: 2, deploymentId: 7, replicas: 3 }));
  assert.is(replicas.length, 3);
  const origins = new Set(replicas.map((r) => r.origin));
  assert.is(origins.size, 3);
  assert.is(fs.statSync(h.runDir).mode & 0o777, 0o700);
  for (const replica of replicas) {
    assert.match(replica.id, /^echo-2-7-[a-z0-9]{5}$/);
    const socket = (replica.origin ?? '').replace(/^unix:/, '');
    assert.is(path.dirname(socket), h.runDir, `${replica.origin} is a socket in the run folder`);
    const stat = fs.statSync(socket);
    assert.ok(stat.isSocket());
    assert.is(stat.mode & 0o777, 0o600);
    assert.is(replica.state, 'ready');
    assert.is(replica.restarts, 0);
    assert.is((await replicaRequest(replica.origin as string, '/ready')).status, 200);
    assert.is((await invoke(replica.origin as string, {})).pid, replica.pid);
    assert.equal(tcpListeners(replica.pid as number), [], `replica ${replica.pid} listens on TCP`);
  }
  assert.equal(h.supervisor.list().map((r) => r.id).sort(), replicas.map((r) => r.id).sort());
});

test('a killed replica is restarted in its slot, counted, and its log keeps a restart note', async ({ h }) => {
  const [first] = await h.supervisor.start(h.spec());
  if (!first?.pid) throw new Error('no replica');
  const unready = h.waitFor('unready', (info) => info.id === first.id);
  const back = h.waitFor('ready', (info, cause) => info.id === first.id && cause === 'restart');
  process.kill(first.pid, 'SIGKILL');
  const [gone, cause] = await unready;
  assert.is(cause, 'exit');
  assert.is(gone.origin, first.origin, 'unready names the origin to stop routing to');
  const [again] = await back;
  assert.is(again.restarts, 1);
  assert.is.not(again.pid, first.pid);
  assert.is((await invoke(again.origin as string, {})).pid, again.pid);
  assert.equal(h.supervisor.list().map((r) => [r.id, r.state, r.restarts]), [[first.id, 'ready', 1]]);

  const texts = h.supervisor.logs('echo', { replicaId: first.id, limit: 1000 }).map((l) => l.text);
  assert.ok(texts.some((t) => /exited \(signal SIGKILL\); restarting/.test(t)), texts.join('\n'));
  assert.ok(texts.some((t) => /^restart #1 \(restart\)/.test(t)));
  assert.is(texts.filter((t) => t === 'loading model').length, 2, 'lines of both processes are kept');
  const file = fs.readFileSync(path.join(h.logDir, 'echo', `${first.id}.log`), 'utf8');
  const lines = file.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(Object.keys(lines[0]).sort(), ['stream', 'text', 'time']);
  assert.is(lines.filter((l) => l.text === 'loading model').length, 2);
  assert.ok(lines.some((l) => l.stream === 'slipway' && /^restart #1/.test(l.text)));
});

test('replace kills the process, starts a new one in the slot and counts it', async ({ h }) => {
  const [first] = await h.supervisor.start(h.spec());
  if (!first?.pid) throw new Error('no replica');
  const oldExit = h.waitFor('exit', (info) => info.pid === first.pid);
  const replaced = await h.supervisor.replace(first.id, 'call timed out');
  assert.is(replaced.id, first.id);
  assert.is(replaced.restarts, 1);
  assert.is(replaced.state, 'ready');
  assert.is.not(replaced.pid, first.pid);
  const [, exit] = await oldExit;
  assert.equal([exit.signal, exit.expected], ['SIGKILL', true]);
  assert.not.ok(isAlive(first.pid));
  assert.is((await invoke(replaced.origin as string, {})).pid, replaced.pid);
  const texts = h.supervisor.logs('echo').map((l) => l.text);
  assert.ok(texts.some((t) => t.startsWith('replaced (call timed out)')));
});

test('a replica that keeps failing keeps restarting until stopped, and stop ends the loop', async ({ h }) => {
  // Imports once; every later import fails, so each restart exits before it is ready.
  h.writeModel(
    'model.py',
    `import os
if os.path.exists("imported-once"):
    raise SystemExit("this model only imports once")
open("imported-once", "w").close()
def predict(args):
    return {}
`,
  );
  const [replica] = await h.supervisor.start(h.spec());
  const thirdFailure = h.waitFor('exit', (info, exit) => info.id === replica!.id && !exit.expected && info.restarts === 3);
  process.kill(replica!.pid as number, 'SIGKILL');
  await thirdFailure;
  const [looping] = h.supervisor.list();
  assert.is(looping!.state, 'restarting');
  assert.ok(looping!.restarts >= 3);
  await h.supervisor.stop(replica!.deploymentId, { graceMs: 10_000 });
  assert.equal(h.supervisor.list(), []);
  const lines = h.supervisor.logs('echo', { replicaId: replica!.id, limit: 1000 });
  assert.ok(lines.some((l) => l.text.includes('this model only imports once')), 'the failing import is in the log');
  assert.is(lines[0]!.stream, 'slipway');
  assert.match(lines[0]!.text, /^stopped/, 'the stop is the slot\'s last event');
});

test('replace of an unknown replica is refused', async ({ h }) => {
  const error = await h.supervisor.replace('echo-1-1-nope0').then(() => null, (e: Error) => e);
  assert.match(String(error), /no running replica "echo-1-1-nope0"/);
});

test('stop ends every process of the deployment and only that one', async ({ h }) => {
  const stopped = await h.supervisor.start(h.spec({ replicas: 2 }));
  const [kept] = await h.supervisor.start(h.spec());
  const exits = stopped.map((r) => h.waitFor('exit', (info) => info.pid === r.pid));
  await h.supervisor.stop(stopped[0]!.deploymentId, { graceMs: 10_000 });
  for (const replica of stopped) assert.not.ok(isAlive(replica.pid as number), `pid ${replica.pid} still runs`);
  // A graceful stop: SIGTERM, and the runtime exits 0 without needing SIGKILL.
  for (const [, exit] of await Promise.all(exits)) assert.equal([exit.code, exit.expected], [0, true]);
  assert.equal(h.supervisor.list().map((r) => r.id), [kept!.id]);
  assert.ok(isAlive(kept!.pid as number));
});

test('stop kills with SIGKILL a replica still busy after the grace time', async ({ h }) => {
  const [replica] = await h.supervisor.start(h.spec());
  const exited = h.waitFor('exit', (info) => info.pid === replica!.pid);
  // The call is in flight once the model printed its line.
  const printed = new Promise<void>((resolve) => {
    const stopFollowing = h.supervisor.follow('echo', (line) => {
      if (line.text === 'busy now') {
        stopFollowing();
        resolve();
      }
    });
  });
  const busy = invoke(replica!.origin as string, { print: ['busy now'], sleep: 600 }).catch(() => 'cut off');
  await printed;
  await h.supervisor.stop(replica!.deploymentId, { graceMs: 100 });
  const [, exit] = await exited;
  assert.is(exit.signal, 'SIGKILL');
  assert.not.ok(isAlive(replica!.pid as number));
  assert.is(await busy, 'cut off');
});

test.run();
