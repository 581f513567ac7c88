// The supervisor against real runtime processes: a model that cannot import, env isolation, logs.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplicaStartError } from '../../src/supervisor/replica-start-error.ts';
import type { LogLine, ReplicaExit } from '../../src/supervisor/supervisor-types.ts';
import { createHarness, invoke, isAlive, type Harness } from './supervisor-harness.ts';

const test = suite<{ h: Harness }>('supervisor failures, env and logs');

test.before.each((context) => {
  context.h = createHarness();
});
test.after.each(async (context) => {
  await context.h.cleanup();
});

test('an import error rejects start with the traceback tail and kills the other replicas', async ({ h }) => {
  // Only the replica that wins the marker fails, so the others show that start kills them.
  h.writeModel(
    'model.py',
    `import os
try:
    os.close(os.open("failed-once", os.O_CREAT | os.O_EXCL))
    raise ValueError("boom from the model")
except FileExistsError:
    pass
def predict(args):
    return {}
`,
  );
  const exits: [number | null, ReplicaExit & { expected: boolean }][] = [];
  h.supervisor.events.on('exit', (info, exit) => exits.push([info.pid, exit]));
  const spec = h.spec({ replicas: 3 });
  const error = await h.supervisor.start(spec).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ReplicaStartError)) throw new Error(`expected a ReplicaStartError, got ${String(error)}`);
  assert.match(error.message, /could not import the model \(exit code 3\)/);
  assert.match(error.message, /ValueError: boom from the model/);
  assert.match(error.message, /Traceback/);
  assert.equal(error.failure, { reason: 'exited', exit: { code: 3, signal: null } });
  assert.is(error.deploymentId, spec.deploymentId);
  assert.equal(h.supervisor.list(), []);
  assert.is(exits.length, 3);
  assert.is(exits.filter(([, exit]) => !exit.expected && exit.code === 3).length, 1);
  for (const [pid] of exits) assert.not.ok(isAlive(pid as number), `pid ${pid} still runs`);
  const kept = h.supervisor.logs('echo', { replicaId: error.replicaId }).map((l) => l.text);
  assert.ok(kept.includes('ValueError: boom from the model'), 'the traceback stays readable in the logs');
});

test('a missing interpreter or build folder rejects start with a clear error', async ({ h }) => {
  const error = await h.supervisor.start(h.spec({ python: path.join(h.dir, 'no-such-python') })).then(() => null, (e: unknown) => e);
  assert.instance(error, ReplicaStartError);
  assert.match(String(error), /could not start: .*no-such-python: ENOENT/);
  const noFolder = await h.supervisor.start(h.spec({ buildDir: path.join(h.dir, 'gone') })).then(() => null, (e: unknown) => e);
  assert.match(String(noFolder), /build folder .*gone does not exist/);
  assert.equal(h.supervisor.list(), []);
});

test('a replica not ready within the ready timeout is killed and start says so', async () => {
  const h = createHarness({ readyTimeoutMs: 300 });
  try {
    h.writeModel('model.py', 'import time\ntime.sleep(3600)\n');
    const exits: number[] = [];
    h.supervisor.events.on('exit', (info) => exits.push(info.pid as number));
    const error = await h.supervisor.start(h.spec()).then(() => null, (e: unknown) => e);
    assert.instance(error, ReplicaStartError);
    assert.equal((error as ReplicaStartError).failure, { reason: 'timeout', timeoutMs: 300 });
    assert.match(String(error), /was not ready after 0\.3s and was killed/);
    assert.is(exits.length, 1);
    assert.not.ok(isAlive(exits[0] as number));
  } finally {
    await h.cleanup();
  }
});

test('a replica sees its deployment env and Slipway variables but not the daemon env', async ({ h }) => {
  process.env.SLIPWAY_TEST_DAEMON_SECRET = 'daemon-only';
  try {
    const [replica] = await h.supervisor.start(h.spec({ env: { THRESHOLD: '0.7' }, concurrency: 2, gatewayUrl: 'http://127.0.0.1:8700' }));
    const names = ['SLIPWAY_TEST_DAEMON_SECRET', 'THRESHOLD', 'SLIPWAY_REPLICA_ID', 'SLIPWAY_CONCURRENCY', 'SLIPWAY_GATEWAY_URL', 'PYTHONPATH'];
    const { env } = await invoke(replica!.origin as string, { vars: names });
    assert.equal(env, {
      SLIPWAY_TEST_DAEMON_SECRET: null,
      THRESHOLD: '0.7',
      SLIPWAY_REPLICA_ID: replica!.id,
      SLIPWAY_CONCURRENCY: '2',
      SLIPWAY_GATEWAY_URL: 'http://127.0.0.1:8700',
      PYTHONPATH: path.resolve(import.meta.dirname, '../../runtime/python'),
    });
  } finally {
    delete process.env.SLIPWAY_TEST_DAEMON_SECRET;
  }
});

/** Resolves once the model's log shows `text`. */
function seen(h: Harness, text: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = h.supervisor.follow('echo', (line) => {
      if (line.text !== text) return;
      stop();
      resolve();
    });
  });
}

test('logs come newest first, for the model or one replica, and follow streams new lines', async ({ h }) => {
  const [a, b] = await h.supervisor.start(h.spec({ replicas: 2 }));
  const followed: LogLine[] = [];
  const unfollow = h.supervisor.follow('echo', (line) => followed.push(line));
  const printedByA = seen(h, 'a3');
  await invoke(a!.origin as string, { print: ['a1', 'a2', 'a3'] });
  await printedByA;
  const printedByB = seen(h, 'b1');
  await invoke(b!.origin as string, { print: ['b1'] });
  await printedByB;
  unfollow();

  const stdout = (lines: LogLine[]) => lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
  assert.equal(stdout(h.supervisor.logs('echo')), ['b1', 'a3', 'a2', 'a1', 'loading model', 'loading model']);
  assert.equal(stdout(h.supervisor.logs('echo', { replicaId: a!.id })), ['a3', 'a2', 'a1', 'loading model']);
  assert.equal(stdout(h.supervisor.logs('echo', { replicaId: b!.id })), ['b1', 'loading model']);
  assert.equal(h.supervisor.logs('echo', { limit: 2 }).map((l) => l.text), ['b1', 'a3']);
  assert.equal(followed.map((l) => [l.replicaId, l.text]), [
    [a!.id, 'a1'],
    [a!.id, 'a2'],
    [a!.id, 'a3'],
    [b!.id, 'b1'],
  ]);
  const stderr = h.supervisor.logs('echo', { replicaId: a!.id }).filter((l) => l.stream === 'stderr');
  assert.equal(stderr.map((l) => l.text), ['a note on stderr']);
  assert.match(stderr[0]!.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(h.supervisor.logs('other'), []);

  await h.supervisor.stop(a!.deploymentId, { graceMs: 10_000 });
  assert.equal(stdout(h.supervisor.logs('echo', { replicaId: a!.id })), ['a3', 'a2', 'a1', 'loading model'], 'logs outlive the replica');
  const file = fs.readFileSync(path.join(h.logDir, 'echo', `${a!.id}.log`), 'utf8').trim().split('\n');
  const last = JSON.parse(file.at(-1) as string);
  assert.is(last.stream, 'slipway');
  assert.match(last.text, /^stopped/);
});

test.run();
