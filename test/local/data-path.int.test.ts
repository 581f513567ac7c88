// The local data path through the real daemon (`slipway up -d`) and real Python replicas on Unix
// sockets: requests reach the model byte for byte on both routes, bad bytes and deep nesting are
// refused alike, auth is checked from the headers before any body byte is read, and the body
// budget keeps the daemon's memory bounded under many slow uploads.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';
import { tcpListeners } from '../support/tcp-listeners.ts';

const MB = 1024 * 1024;
const BUDGET = 8 * MB;

const modelsYaml = `version: 1
project: data-path
models:
  - name: echo
    file: m/models.py
    function: echo
  - name: describe
    file: m/models.py
    function: describe
`;

const models = `def echo(request):
    return request

def describe(request):
    # repr shows the decoded value exactly: an exact int, inf for 1e400, the character itself.
    return {"repr": repr(request)}
`;

const test = suite('local data path');
let p: LocalProject;
let apiKey: string;

test.before(async () => {
  process.env.SLIPWAY_BODY_BUDGET_BYTES = String(BUDGET);
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': models });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  delete process.env.SLIPWAY_BODY_BUDGET_BYTES;
  apiKey = await p.apiKey('--name', 'data-path');
});
test.after(async () => {
  await p?.cleanup();
});

/** A POST whose answer is kept as text, so big numbers are not rounded by JSON.parse. */
async function postText(urlPath: string, body: string | Buffer, key: string | null = apiKey): Promise<{ status: number; text: string }> {
  const res = await request(`${p.url}${urlPath}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

const exotic = '{"big": 9223372036854775809, "huge": 1e400, "neg": -0, "text": "caf\\u00e9 \\ud83d\\ude00", "raw": "é"}';

test('no replica has a TCP listener', async () => {
  const status = await p.status();
  const pids = status.models.flatMap((m) => m.replicaStats.map((r) => r.pid)).filter((pid): pid is number => pid !== null);
  assert.is(pids.length, 2);
  for (const pid of pids) assert.equal(tcpListeners(pid), [], `replica ${pid} listens on TCP`);
});

test('the model receives exactly the JSON sent, on /model and on /models/<name>', async () => {
  const envelope = `{"accessKey": "${p.accessKey('describe')}", "request": ${exotic}}`;
  const named = await postText('/models/describe', exotic);
  const cml = await postText('/model', envelope);
  assert.is(named.status, 200, named.text);
  assert.is(cml.status, 200, cml.text);
  const described = JSON.parse(named.text).response.repr as string;
  assert.is(JSON.parse(cml.text).response.repr, described, 'both routes hand the model the same value');
  assert.match(described, "'big': 9223372036854775809");
  assert.match(described, "'huge': inf");
  assert.match(described, "'text': 'café 😀'");
  // And back: the echo's answer carries the big integer's digits, not a rounded double.
  const echoed = await postText('/model', `{"accessKey": "${p.accessKey('echo')}", "request": {"n": 9223372036854775809}}`);
  assert.is(echoed.text.includes('"response":{"n":9223372036854775809}'), true, echoed.text);
});

test('invalid UTF-8, invalid JSON and deep nesting answer 400 alike on both routes', async () => {
  const key = p.accessKey('echo');
  const badUtf8 = Buffer.concat([Buffer.from(`{"accessKey": "${key}", "request": "`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const cases: Array<[string, string | Buffer, string | Buffer, string]> = [
    ['invalid UTF-8', Buffer.from([0x22, 0xc3, 0x28, 0x22]), badUtf8, 'request.invalid_json'],
    ['invalid JSON', '{"a": NaN}', `{"accessKey": "${key}", "request": {"a": NaN}}`, 'request.invalid_json'],
    ['100,000 levels deep', deep, `{"accessKey": "${key}", "request": ${deep}}`, 'request.too_deep'],
  ];
  for (const [what, named, cml, code] of cases) {
    for (const [route, body] of [['/models/echo', named], ['/model', cml]] as const) {
      const answer = await postText(route, body);
      assert.is(answer.status, 400, `${what} on ${route}: ${answer.text}`);
      assert.is(JSON.parse(answer.text).errorCode, code, `${what} on ${route}`);
    }
  }
});

/** Opens a raw connection to the daemon; collects what it answers. */
function rawConnection(): { socket: net.Socket; received: () => string; answered: Promise<string>; closed: Promise<void> } {
  const socket = net.connect(p.daemonFile()!.port, '127.0.0.1');
  let text = '';
  let resolveAnswered!: (text: string) => void;
  const answered = new Promise<string>((resolve) => (resolveAnswered = resolve));
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
    if (text.includes('\r\n\r\n')) resolveAnswered(text);
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => text, answered, closed };
}

function uploadHead(route: string, length: number, authorization: string | null): string {
  return `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;
}

test('a slow 5 MB upload without a valid key is refused after its headers, before its body', async () => {
  const revoked = await p.apiKey('--name', 'to-revoke');
  const list = await p.json<Array<{ id: number; name: string }>>('keys', 'list', '--json');
  await p.ok('keys', 'revoke', String(list.find((k) => k.name === 'to-revoke')!.id));
  const cases: Array<[string, string | null, number, string]> = [
    ['/models/echo', null, 401, 'auth.missing'],
    ['/model', null, 401, 'auth.missing'],
    ['/model', `Bearer slw_${'A'.repeat(40)}`, 401, 'auth.invalid'],
    ['/models/echo', `Bearer ${revoked}`, 401, 'auth.revoked'],
    ['/model', `Bearer ${revoked}`, 401, 'auth.revoked'],
  ];
  for (const [route, authorization, status, code] of cases) {
    const upload = rawConnection();
    let sent = 0;
    upload.socket.write(uploadHead(route, 5 * MB, authorization));
    // The body goes out 64 KiB at a time, each chunk only after the previous one was taken, and
    // never more than the first: the answer must come while the upload has barely started.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    upload.socket.write(chunk, () => (sent += chunk.length));
    const answer = await upload.answered;
    assert.ok(sent < 5 * MB, `${route}: answered only after the body`);
    assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `), `${route} ${authorization}: ${answer}`);
    await upload.closed; // the gateway closes rather than read the body
    assert.match(upload.received(), new RegExp(`"errorCode":"${code.replace('.', '\\.')}"`));
  }
});

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

test('many slow uploads: past the body budget 503 with Retry-After, and the daemon stays bounded', async () => {
  const daemonPid = p.daemonFile()!.pid;
  const before = rssBytes(daemonPid);
  const uploads = 60;
  const size = MB;
  const connections = Array.from({ length: uploads }, () => rawConnection());
  const refusals: string[] = [];
  for (const connection of connections) void connection.answered.then((text) => refusals.push(text));
  // Every upload sends all but its last byte, so whatever the gateway admits it holds in memory.
  const body = Buffer.alloc(size - 1, 0x20);
  for (const connection of connections) {
    connection.socket.write(uploadHead('/models/echo', size, `Bearer ${apiKey}`));
    connection.socket.write(body);
  }
  const admitted = BUDGET / size;
  await eventually('the refusals', async () => (refusals.length >= uploads - admitted ? true : undefined), 1200);
  for (const text of refusals) {
    assert.match(text, /^HTTP\/1.1 503 /);
    assert.match(text, /\r\nretry-after: 1\r\n/i);
    assert.match(text, /"errorCode":"gateway\.overloaded"/);
  }
  const grown = rssBytes(daemonPid) - before;
  // Unbounded, the daemon would hold all 60 MB; bounded, the budget's 8 MB plus overhead.
  assert.ok(grown < 40 * MB, `the daemon grew by ${Math.round(grown / MB)} MB`);
  assert.is(refusals.length, uploads - admitted);
  for (const connection of connections) connection.socket.destroy();
  // Aborted uploads give their share back: calls with bodies get through again.
  const after = await eventually('the budget to be free again', async () => {
    const answer = await postText('/models/echo', JSON.stringify({ x: 'y'.repeat(1000) }));
    return answer.status === 200 ? answer : undefined;
  });
  assert.is(after.status, 200);
});

test('the metrics API answers 413 over its limit, declared or chunked, instead of resetting', async () => {
  const big = Buffer.alloc(2 * MB, 0x20);
  const declared = await postText('/api/v1/metrics', big);
  assert.is(declared.status, 413, declared.text);
  assert.is(JSON.parse(declared.text).errorCode, 'request.too_large');
  // A body of unknown length, sent chunked on a raw connection, so only the bytes read can tell it
  // is too large. The daemon answers and closes while chunks are still being sent: the writes may
  // fail (EPIPE), the answer is what counts.
  const upload = rawConnection();
  upload.socket.write(`POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${apiKey}\r\nTransfer-Encoding: chunked\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  for (let i = 0; i < 32 && upload.received() === ''; i++) {
    upload.socket.write(`${chunk.length.toString(16)}\r\n`);
    upload.socket.write(chunk);
    upload.socket.write('\r\n');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const answer = await upload.answered;
  assert.match(answer, /^HTTP\/1\.1 413 /);
  await Promise.race([upload.closed, eventually('the answer body', async () => (upload.received().includes('request.too_large') ? true : undefined))]);
  upload.socket.destroy();
  assert.match(upload.received(), '"request.too_large"');
});

test.run();
