// The Python replica runtime, as real python3 processes on temp build folders, over real HTTP.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { freePort, modelFolder, rawExchange, readyPort, spawnRuntime, startReplica, waitFor } from './replica-process.ts';

// Answers are checked field by field, so a loose type keeps the assertions readable.
type Json = any;

async function invoke(url: string, body: string): Promise<{ status: number; json: Json }> {
  const res = await request(`${url}/invoke`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: await res.body.json() };
}

const addModel = { 'add_numbers.py': 'def add(args):\n    return args["a"] + args["b"]\n' };
const timestamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (stdout|stderr|runtime) /;

test('prints the load report and the ready line first, answers /ready and serves a call', async () => {
  const replica = await startReplica(addModel, 'add_numbers.py', 'add');
  try {
    const [load, readyLine] = replica.stdout().split('\n');
    assert.equal(JSON.parse(load!.replace(/^SLIPWAY_LOAD /, '')), { warnings: [], error: null });
    assert.match(readyLine!, /^SLIPWAY_READY port=\d+$/);
    const ready = await request(`${replica.url}/ready`);
    assert.is(ready.statusCode, 200);
    assert.equal(await ready.body.json(), { ready: true });
    const call = await invoke(replica.url, '{"a": 3, "b": 5}');
    assert.is(call.status, 200);
    assert.equal(call.json, { response: 8, metrics: null, uuid: null });
  } finally {
    assert.is(await replica.stop(), 0);
  }
});

test('answers 503 on /ready while the model is still importing', async () => {
  const dir = modelFolder({
    'predict.py': 'import os, time\nwhile not os.path.exists("go"):\n    time.sleep(0.01)\ndef predict(args):\n    return args\n',
  });
  const port = await freePort();
  const started = spawnRuntime(dir, 'predict.py', 'predict', {}, port);
  try {
    let status = 0;
    while (status === 0) {
      status = await request(`http://127.0.0.1:${port}/ready`).then(
        (res) => res.body.dump().then(() => res.statusCode),
        () => 0, // not listening yet
      );
    }
    assert.is(status, 503);
    fs.writeFileSync(path.join(dir, 'go'), '');
    assert.is(await readyPort(started), port);
    assert.is((await request(`http://127.0.0.1:${port}/ready`)).statusCode, 200);
  } finally {
    started.proc.kill('SIGTERM');
    await started.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a function that raises answers 500 with type, message and traceback, and the replica keeps serving', async () => {
  const replica = await startReplica(
    { 'predict.py': 'def predict(args):\n    if args.get("fail"):\n        raise ValueError("no petals")\n    return "ok"\n' },
    'predict.py',
    'predict',
  );
  try {
    const failed = await invoke(replica.url, '{"fail": true}');
    assert.is(failed.status, 500);
    assert.is(failed.json.error.type, 'ValueError');
    assert.is(failed.json.error.message, 'no petals');
    assert.match(failed.json.error.traceback, /predict\.py", line 3, in predict/);
    assert.match(failed.json.error.traceback, /ValueError: no petals/);
    const next = await invoke(replica.url, '{}');
    assert.equal(next, { status: 200, json: { response: 'ok', metrics: null, uuid: null } });
  } finally {
    await replica.stop();
  }
});

test('bad JSON answers 400 BadRequest; a value that is not JSON answers 500', async () => {
  const replica = await startReplica(
    { 'predict.py': 'def predict(args):\n    return {1, 2} if args.get("set") else float("nan")\n' },
    'predict.py',
    'predict',
  );
  try {
    const bad = await invoke(replica.url, '{"a": ');
    assert.is(bad.status, 400);
    assert.is(bad.json.error.type, 'BadRequest');
    assert.match(bad.json.error.message, /not valid JSON/);
    const set = await invoke(replica.url, '{"set": true}');
    assert.is(set.status, 500);
    assert.is(set.json.error.type, 'ResponseNotJSONEncodable');
    assert.match(set.json.error.message, /set is not JSON serializable/);
    const nan = await invoke(replica.url, '{}');
    assert.is(nan.status, 500);
    assert.is(nan.json.error.type, 'ResponseNotJSONEncodable');
  } finally {
    await replica.stop();
  }
});

test('keeps the connection alive across calls', async () => {
  const replica = await startReplica(addModel, 'add_numbers.py', 'add');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const reused: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await new Promise<Json>((resolve, reject) => {
        const req = http.request(`${replica.url}/invoke`, { method: 'POST', agent }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ a: i, b: 1 }));
        req.on('socket', () => reused.push(req.reusedSocket));
      });
      assert.is(answer.response, i + 1);
    }
    assert.equal(reused, [false, true, true, true, true]);
  } finally {
    agent.destroy();
    await replica.stop();
  }
});

test('answers pipelined requests in order, 100-continue, and refuses chunked bodies with 411', async () => {
  const replica = await startReplica(addModel, 'add_numbers.py', 'add');
  try {
    const post = (body: string) => `POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const two = await rawExchange(replica.port, post('{"a":1,"b":1}') + post('{"a":2,"b":2}'), (r) => r.includes('"response":4'));
    assert.ok(two.indexOf('"response":2') < two.indexOf('"response":4'));
    const body = '{"a":5,"b":5}';
    const expect = await rawExchange(
      replica.port,
      `POST /invoke HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      (r) => r.includes('"response":10'),
    );
    assert.match(expect, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    const chunked = await rawExchange(
      replica.port,
      'POST /invoke HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n',
    );
    assert.match(chunked, /^HTTP\/1\.1 411 Length Required\r\n/);
    assert.match(chunked, /Connection: close/);
    assert.match(chunked, /"type":"LengthRequired"/);
    assert.match(chunked, /Content-Length/);
  } finally {
    await replica.stop();
  }
});

test('an import failure exits 3 with the traceback on stderr and no ready line', async () => {
  const dir = modelFolder({ 'predict.py': 'import json\nraise RuntimeError("weights missing")\n' });
  try {
    const started = spawnRuntime(dir, 'predict.py', 'predict');
    assert.is(await started.exited, 3);
    assert.not.match(started.stdout(), /SLIPWAY_READY/);
    assert.match(started.stderr(), /Traceback \(most recent call last\)/);
    assert.match(started.stderr(), /predict\.py", line 2, in <module>/);
    assert.match(started.stderr(), /RuntimeError: weights missing/);
    const report = JSON.parse(started.stdout().split('\n')[0]!.replace(/^SLIPWAY_LOAD /, ''));
    assert.equal(report.error, { kind: 'error', message: 'RuntimeError: weights missing', package: null, found: null, wanted: null });
    const missing = spawnRuntime(dir, 'predict.py', 'predict_nothing');
    assert.is(await missing.exited, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runs in the build folder with the deployment env, and timestamps printed lines', async () => {
  const replica = await startReplica(
    {
      'models/predict.py': [
        'import os, sys',
        'print("loading")',
        'with open("params.txt") as f:',
        '    SCALE = float(f.read())',
        'def predict(args):',
        '    print("scaling", args["x"])',
        '    print("a warning", file=sys.stderr)',
        '    with open("params.txt") as f:',
        '        again = float(f.read())',
        '    return {"y": args["x"] * SCALE * again, "threshold": os.environ["THRESHOLD"], "cwd": os.getcwd()}',
        '',
      ].join('\n'),
      'params.txt': '2',
    },
    'models/predict.py',
    'predict',
    { THRESHOLD: '0.7', SLIPWAY_REPLICA_ID: 'iris-1-7-abcd' },
  );
  try {
    const call = await invoke(replica.url, '{"x": 3}');
    assert.is(call.json.response.y, 12);
    assert.is(call.json.response.threshold, '0.7');
    assert.is(fs.realpathSync(call.json.response.cwd), fs.realpathSync(replica.dir));
    await waitFor(() => replica.stdout().includes('scaling') && replica.stderr().includes('a warning'), 'printed lines');
    const out = replica.stdout().trimEnd().split('\n').slice(1);
    assert.match(out[0], /^SLIPWAY_READY port=\d+$/);
    assert.match(out[1], timestamped);
    assert.ok(out[1].endsWith(' stdout loading'), out[1]);
    assert.ok(out[2].endsWith(' stdout scaling 3'), out[2]);
    assert.match(out[2], timestamped);
    const err = replica.stderr().trimEnd().split('\n');
    assert.ok(err.every((line) => timestamped.test(line)), replica.stderr());
    assert.ok(err.some((line) => line.endsWith(' stderr a warning')), replica.stderr());
    assert.ok(err.some((line) => / runtime replica iris-1-7-abcd serving /.test(line)), replica.stderr());
  } finally {
    await replica.stop();
  }
});

const marksModel = {
  'slow.py': 'import time\ndef slow(args):\n    start = time.monotonic()\n    time.sleep(0.3)\n    return {"start": start, "end": time.monotonic()}\n',
};

async function twoCalls(url: string): Promise<Json[]> {
  const calls = await Promise.all([invoke(url, '{}'), invoke(url, '{}')]);
  for (const call of calls) assert.is(call.status, 200);
  return calls.map((call) => call.json.response);
}

test('SLIPWAY_CONCURRENCY=2 lets two calls overlap', async () => {
  const replica = await startReplica(marksModel, 'slow.py', 'slow', { SLIPWAY_CONCURRENCY: '2' });
  try {
    const [a, b] = await twoCalls(replica.url);
    assert.ok(Math.max(a.start, b.start) < Math.min(a.end, b.end), `calls did not overlap: ${JSON.stringify([a, b])}`);
  } finally {
    await replica.stop();
  }
});

test('by default a replica serves one call at a time', async () => {
  const replica = await startReplica(marksModel, 'slow.py', 'slow');
  try {
    const [a, b] = (await twoCalls(replica.url)).sort((x, y) => x.start - y.start);
    assert.ok(b.start >= a.end, `calls overlapped: ${JSON.stringify([a, b])}`);
  } finally {
    await replica.stop();
  }
});

test('SIGTERM lets the call in flight answer, then exits 0', async () => {
  const replica = await startReplica(
    {
      'hold.py':
        'import os, time\ndef hold(args):\n    open("started", "w").close()\n    while not os.path.exists("go"):\n        time.sleep(0.01)\n    return "done"\n',
    },
    'hold.py',
    'hold',
  );
  const call = invoke(replica.url, '{}');
  while (!fs.existsSync(path.join(replica.dir, 'started'))) await new Promise((r) => setTimeout(r, 10));
  replica.proc.kill('SIGTERM');
  fs.writeFileSync(path.join(replica.dir, 'go'), '');
  assert.equal((await call).json.response, 'done');
  assert.is(await replica.stop(), 0);
});

test.run();
