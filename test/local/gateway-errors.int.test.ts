// Every error the gateway answers, through the real daemon started by `slipway up -d`: status and
// errorCode of each, with real replicas, keys made by the CLI and limits from models.yaml.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, type Answer, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

// The `hold` calls wait for a release file: the replicas (sandboxed) see its folder through
// sandbox.paths, read-only.
const releaseDir = mkdtempSync(path.join(tmpdir(), 'slipway-release-'));
const canSeeRelease = `sandbox: {paths: [${JSON.stringify(releaseDir)}]}`;

const modelsYaml = `version: 1
project: errors
limits:
  maxRequestBytes: 400
models:
${modelEntry('secured', 'echo')}
${modelEntry('other', 'echo')}
${modelEntry('open', 'echo', ['auth: false'])}
${modelEntry('idle', 'echo', ['auth: false'])}
${modelEntry('crashy', 'echo', ['auth: false'])}
${modelEntry('slow', 'echo', ['auth: false', 'timeoutSeconds: 0.5'])}
${modelEntry('busy-short', 'hold', ['auth: false', 'busyTimeoutSeconds: 0.2', canSeeRelease])}
${modelEntry('busy-long', 'hold', ['auth: false', 'busyTimeoutSeconds: 120', canSeeRelease])}
`;

const test = suite('gateway errors through the daemon');
let p: LocalProject;
let apiKey: string;

function refused(answer: Answer, status: number, errorCode: string): void {
  const shown = JSON.stringify(answer.body);
  assert.is(answer.status, status, shown);
  assert.is(answer.body.success, false, shown);
  assert.is(answer.body.errorCode, errorCode, shown);
  assert.type(answer.body.message, 'string');
}

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': behavingModels });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  apiKey = await p.apiKey('--name', 'errors');
});
test.after(async () => {
  // Also when `before` failed half-way: whatever started is stopped.
  await p?.cleanup();
  rmSync(releaseDir, { recursive: true, force: true });
});

test('400: a body that is not JSON, on /model and on /models/<name>', async () => {
  refused(await p.post('/model', '{"accessKey": '), 400, 'request.invalid_json');
  refused(await p.post('/models/open', '{"a": '), 400, 'request.invalid_json');
});

test('400: /model without accessKey or without request says which field is missing', async () => {
  const noKey = await p.post('/model', JSON.stringify({ request: { a: 1 } }));
  refused(noKey, 400, 'request.missing_field');
  assert.match(noKey.body.message, '"accessKey"');
  const noRequest = await p.post('/model', JSON.stringify({ accessKey: p.accessKey('open') }));
  refused(noRequest, 400, 'request.missing_field');
  assert.match(noRequest.body.message, '"request"');
});

test('401: no API key, an unknown key, a header that is not Bearer', async () => {
  refused(await p.cml(p.accessKey('secured'), { a: 1 }), 401, 'auth.missing');
  refused(await p.call('secured', { a: 1 }), 401, 'auth.missing');
  refused(await p.call('secured', { a: 1 }, `slw_${'A'.repeat(40)}`), 401, 'auth.invalid');
  refused(await p.call('secured', { a: 1 }, 'not-a-key'), 401, 'auth.invalid');
  refused(await p.post('/models/secured', '{}', { authorization: `Basic ${apiKey}` }), 401, 'auth.invalid');
  const ok = await p.cml(p.accessKey('secured'), { a: 1 }, apiKey);
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.response, { a: 1 });
});

test('403: an expired API key', async () => {
  const shortLived = await p.apiKey('--name', 'short', '--expires', '1s');
  // Polled, not slept: the key works until it expires, then is refused.
  const answer = await eventually('the key to expire', async () => {
    const a = await p.call('secured', { a: 1 }, shortLived);
    return a.status === 200 ? undefined : a;
  });
  refused(answer, 403, 'auth.expired');
  refused(await p.cml(p.accessKey('secured'), { a: 1 }, shortLived), 403, 'auth.expired');
});

test('403: an API key scoped to other models', async () => {
  const scoped = await p.apiKey('--name', 'scoped', '--models', 'other');
  refused(await p.call('secured', { a: 1 }, scoped), 403, 'auth.forbidden');
  refused(await p.cml(p.accessKey('secured'), { a: 1 }, scoped), 403, 'auth.forbidden');
  assert.is((await p.call('other', { a: 1 }, scoped)).status, 200);
});

test('404: an unknown access key, an unknown model', async () => {
  refused(await p.cml('a'.repeat(32), { a: 1 }, apiKey), 404, 'model.not_found');
  refused(await p.call('no-such-model', { a: 1 }, apiKey), 404, 'model.not_found');
});

test('413: a body over limits.maxRequestBytes, on both routes', async () => {
  const big = { text: 'x'.repeat(500) };
  refused(await p.call('open', big), 413, 'request.too_large');
  refused(await p.cml(p.accessKey('open'), big), 413, 'request.too_large');
  const small = await p.call('open', { text: 'x'.repeat(100) });
  assert.is(small.status, 200, JSON.stringify(small.body));
});

test('500: the function raised; type and message come back and the replica keeps serving', async () => {
  const answer = await p.call('open', { raise: 'boom' });
  refused(answer, 500, 'model.error');
  assert.match(JSON.stringify(answer.body), 'asked to raise: boom');
  assert.match(JSON.stringify(answer.body), 'ValueError');
  assert.is((await p.call('open', { fine: true })).status, 200);
});

test('502: the replica died mid-call', async () => {
  refused(await p.call('crashy', { exit: true }), 502, 'replica.died');
});

test('503: a stopped model', async () => {
  await p.ok('stop', 'idle');
  refused(await p.call('idle', { a: 1 }), 503, 'model.stopped');
  refused(await p.cml(p.accessKey('idle'), { a: 1 }), 503, 'model.stopped');
});

test('504: a call past timeoutSeconds is cut off', async () => {
  refused(await p.call('slow', { sleep: 30 }), 504, 'model.timeout');
});

/** Starts a `hold` call and waits until its replica has it, so the next call finds it busy. */
async function holdReplica(model: string, release: string): Promise<{ held: Promise<Answer> }> {
  const before = (await p.replicaStats(model))[0].received;
  const held = p.call(model, { release, tag: 'held' });
  await eventually(`${model}'s replica to take the held call`, async () => ((await p.replicaStats(model))[0].received > before ? true : undefined));
  // Wrapped: an async function returning the promise itself would wait for the held call to end.
  return { held };
}

test('429: one replica held by a slow call; the next call waits, then gets model.busy', async () => {
  const release = path.join(releaseDir, 'short');
  const { held } = await holdReplica('busy-short', release);
  const busyBefore = (await p.replicaStats('busy-short'))[0].busy;
  refused(await p.call('busy-short', { release, tag: 'second' }), 429, 'model.busy');
  assert.is((await p.replicaStats('busy-short'))[0].busy, busyBefore + 1);
  writeFileSync(release, '');
  const first = await held;
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(first.body.response.held, 'held');
});

test('busy: a call that waits is served once the slow call ends', async () => {
  const release = path.join(releaseDir, 'long');
  const { held } = await holdReplica('busy-long', release);
  let waitingSettled = false;
  const waiting = p.call('busy-long', { release, tag: 'waiting' }).finally(() => {
    waitingSettled = true;
  });
  // The replica serves one call at a time: the waiting call cannot finish while the first is held.
  const stats = (await p.replicaStats('busy-long'))[0];
  assert.is(stats.received - stats.processed, 1, 'only the held call is at the replica');
  assert.is(waitingSettled, false);
  assert.not.ok(existsSync(release));
  writeFileSync(release, '');
  const [first, second] = await Promise.all([held, waiting]);
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(second.status, 200, JSON.stringify(second.body));
  assert.is(second.body.response.held, 'waiting');
  assert.is((await p.replicaStats('busy-long'))[0].busy, 0);
});

test.run();
