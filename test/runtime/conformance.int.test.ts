// The replica runtime conformance suite: what any runtime (Python today, R later) must do to be
// served by the gateway, checked on the wire over its Unix socket. Runtimes come from
// conformance/runtimes.ts; every test runs once per runtime.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tcpListeners } from '../support/tcp-listeners.ts';
import { exchange, post, RawConnection, startRuntime, type RunningRuntime } from './conformance/runtime-process.ts';
import { RUNTIMES, type Fixture, type RuntimeUnderTest } from './conformance/runtimes.ts';

// Answers are checked field by field, so a loose type keeps the assertions readable.
type Json = any;

const GET_READY = 'GET /ready HTTP/1.1\r\nHost: replica\r\n\r\n';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function defineSuite(runtime: RuntimeUnderTest): void {
  const test = suite(`runtime conformance: ${runtime.name}`);
  const missing = runtime.missing();
  if (missing !== null) {
    if (process.env.CI === 'true') test(`${runtime.name} is installed`, () => assert.unreachable(missing));
    else console.log(`skipping the ${runtime.name} runtime: ${missing}`);
    test.run();
    return;
  }
  const started: RunningRuntime[] = [];
  async function serve(fixture: Fixture, env: Record<string, string> = {}): Promise<RunningRuntime> {
    const running = startRuntime(runtime, fixture, env);
    started.push(running);
    await running.ready;
    return running;
  }
  test.after.each(async () => {
    await Promise.all(started.splice(0).map((running) => running.stop()));
  });

  test('prints the ready line first, listens on the private socket only, and answers /ready', async () => {
    const running = await serve(runtime.fixtures.echo);
    // A runtime may say what loading found (`SLIPWAY_LOAD <json>`) first; the ready line comes before anything else.
    const lines = running.stdout().split('\n').filter((line) => !line.startsWith('SLIPWAY_LOAD '));
    assert.is(lines[0], `SLIPWAY_READY socket=${running.socketPath}`);
    const stat = fs.statSync(running.socketPath);
    assert.ok(stat.isSocket());
    assert.is(stat.mode & 0o077, 0, 'nobody but the owner may connect');
    assert.equal(tcpListeners(running.proc.pid!), [], 'no TCP listener');
    const ready = await exchange(running.socketPath, GET_READY);
    assert.is(ready?.status, 200);
  });

  test('POST /invoke answers 200 with response, metrics and uuid, on a kept-alive connection', async () => {
    const running = await serve(runtime.fixtures.echo);
    const connection = new RawConnection(running.socketPath);
    try {
      for (const request of ['{"a": 3, "b": [1, 2]}', '"text"', '7']) {
        const answer = await connection.send(post('/invoke', request));
        assert.is(answer?.status, 200);
        assert.match(answer!.head, /\r\ncontent-type: application\/json/i);
        assert.equal(JSON.parse(answer!.body), { response: JSON.parse(request), metrics: null, uuid: null });
      }
    } finally {
      connection.close();
    }
  });

  test('the function receives exactly the JSON value sent', async () => {
    const running = await serve(runtime.fixtures.describe);
    const answer = await exchange(running.socketPath, post('/invoke', '{"big": 9223372036854775809, "huge": 1e400, "e": "\\u00e9"}'));
    assert.is(answer?.status, 200);
    const described = JSON.parse(answer!.body).response.repr as string;
    for (const expected of runtime.described) assert.match(described, expected);
  });

  test('errors: a body that is not JSON answers 400, a raising function 500, unknown routes 404 and 405', async () => {
    const running = await serve(runtime.fixtures.raise);
    const bad = await exchange(running.socketPath, post('/invoke', '{"message": '));
    assert.is(bad?.status, 400);
    assert.type((JSON.parse(bad!.body) as Json).error.message, 'string');
    const notUtf8 = await exchange(running.socketPath, post('/invoke', Buffer.from([0x22, 0xff, 0xfe, 0x22])));
    assert.is(notUtf8?.status, 400);
    const raised = await exchange(running.socketPath, post('/invoke', '{"message": "no petals"}'));
    assert.is(raised?.status, 500);
    const error = (JSON.parse(raised!.body) as Json).error;
    assert.is(error.message, 'no petals');
    assert.type(error.type, 'string');
    assert.type(error.traceback, 'string');
    assert.is((await exchange(running.socketPath, 'GET /nowhere HTTP/1.1\r\nHost: r\r\n\r\n'))?.status, 404);
    assert.is((await exchange(running.socketPath, 'GET /invoke HTTP/1.1\r\nHost: r\r\n\r\n'))?.status, 405);
  });

  test('serves one call at a time by default', async () => {
    const running = await serve(runtime.fixtures.sleep);
    const call = () => exchange(running.socketPath, post('/invoke', '{"seconds": 0.2}'));
    const answers = await Promise.all([call(), call()]);
    const [a, b] = answers.map((answer) => (JSON.parse(answer!.body) as Json).response).sort((x, y) => x.start - y.start);
    assert.ok(b.start >= a.end, `calls overlapped: ${JSON.stringify([a, b])}`);
  });

  test('refuses a body over SLIPWAY_MAX_REQUEST_BYTES with 413 from its headers alone', async () => {
    const running = await serve(runtime.fixtures.echo, { SLIPWAY_MAX_REQUEST_BYTES: '1000' });
    const connection = new RawConnection(running.socketPath);
    try {
      // The body never comes: the answer must not wait for it.
      const answer = await connection.send('POST /invoke HTTP/1.1\r\nHost: r\r\nContent-Length: 1001\r\n\r\n');
      assert.is(answer?.status, 413);
      await connection.closed();
    } finally {
      connection.close();
    }
    const fits = await exchange(running.socketPath, post('/invoke', `"${'x'.repeat(998)}"`));
    assert.is(fits?.status, 200);
  });

  test('stops by itself once the process that started it is gone, and removes its socket', async () => {
    const fixture = runtime.fixtures.echo;
    const running = startRuntime(runtime, fixture);
    started.push(running);
    await running.ready;
    const [command, args] = runtime.command(fixture, `${running.socketPath}.orphan`);
    // A short-lived parent starts the runtime and exits at once, as a daemon killed with SIGKILL would.
    const parent = spawn('bash', ['-c', 'SLIPWAY_PARENT_PID=$$ "$@" >/dev/null 2>&1 & echo $!', 'parent', command, ...args], {
      cwd: running.dir,
      env: { ...process.env, ...runtime.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    parent.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await new Promise((resolve) => parent.on('close', resolve));
    const pid = Number(out.trim());
    assert.ok(pid > 0);
    try {
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.not.ok(alive(pid), `runtime ${pid} still runs after its parent exited`);
      assert.not.ok(fs.existsSync(`${running.socketPath}.orphan`), 'the socket is removed');
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  test.run();
}

for (const runtime of RUNTIMES) defineSuite(runtime);
