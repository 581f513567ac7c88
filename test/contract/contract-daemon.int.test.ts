// Contracts through the real daemon (`slipway up -d`) and real Python replicas: /openapi.json on
// the daemon's port describes the deployed models with the schemas their examples imply (or the
// declared ones); validateInput refuses a bad request with the field named, before any replica
// runs it; and a valid request still reaches the model byte for byte.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { localProject, type LocalProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: contracts
models:
  - name: score
    file: m/models.py
    function: score
    auth: false
    validateInput: true
    examples:
      - input: {features: [1.5, 2], id: 7}
        output: {score: 3.5, id: 7}
      - input: {features: [1], id: 8, note: "x"}
        output: {score: 1, id: 8}
  - name: typed
    file: m/models.py
    function: describe
    schema:
      input: {type: object, required: [text], properties: {text: {type: string, maxLength: 5}}}
    example: {input: {text: "hi"}}
`;

const models = `def score(request):
    return {"score": float(sum(request["features"])), "id": request["id"]}

def describe(request):
    return {"repr": repr(request)}
`;

const test = suite('contracts on the daemon');
let p: LocalProject;
let apiKey: string;

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': models });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  apiKey = await p.apiKey('--name', 'contracts');
});
test.after(async () => {
  await p?.cleanup();
});

async function post(urlPath: string, body: string, key: string | null = null): Promise<{ status: number; text: string }> {
  const res = await request(`${p.url}${urlPath}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Calls the model's replicas received through the gateway (the gate's example calls go direct). */
async function received(model: string): Promise<number> {
  const status = await p.status();
  return status.models.find((m) => m.model === model)!.replicaStats.reduce((sum, r) => sum + r.received, 0);
}

test('GET /openapi.json needs an API key; a key scoped to one model sees only that one', async () => {
  const none = await request(`${p.url}/openapi.json`);
  assert.is(none.statusCode, 401);
  const refused = (await none.body.json()) as any;
  assert.is(refused.errorCode, 'auth.missing');
  assert.not.match(JSON.stringify(refused), /score|typed/);
  const scoped = await p.apiKey('--name', 'score-only', '--models', 'score');
  const res = await request(`${p.url}/openapi.json`, { headers: { authorization: `Bearer ${scoped}` } });
  assert.is(res.statusCode, 200);
  const doc = (await res.body.json()) as any;
  assert.equal(Object.keys(doc.paths), ['/models/score', '/model']);
  assert.is(doc.components.schemas['typed.input'], undefined);
});

test('GET /openapi.json describes both models with their contracts to an unscoped key', async () => {
  const res = await request(`${p.url}/openapi.json`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.is(res.statusCode, 200);
  const doc = (await res.body.json()) as any;
  assert.is(doc.openapi, '3.1.0');
  assert.equal(Object.keys(doc.paths), ['/models/score', '/models/typed', '/model']);
  assert.equal(doc.components.schemas['score.input'], {
    type: 'object',
    properties: { features: { type: 'array', items: { type: 'number' } }, id: { type: 'integer' }, note: { type: 'string' } },
    required: ['features', 'id'],
  });
  assert.equal(doc.components.schemas['score.output'], {
    type: 'object',
    properties: { score: { type: 'number' }, id: { type: 'integer' } },
    required: ['score', 'id'],
  });
  assert.equal(doc.components.schemas['typed.input'], { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 5 } } });
  assert.equal(doc.paths['/models/score'].post.security, []);
  assert.equal(doc.paths['/models/typed'].post.security, [{ apiKey: [] }]);
});

test('validateInput: 400 naming the field, and the model never ran it', async () => {
  const bad = await post('/models/score', '{"features": [1, "two"], "id": 1}');
  assert.is(bad.status, 400, bad.text);
  const error = JSON.parse(bad.text);
  assert.is(error.errorCode, 'request.invalid');
  assert.match(error.message, /^field \/features\/1 must be number/);
  const envelope = await post('/model', `{"accessKey": "${p.accessKey('score')}", "request": {"features": [1]}}`);
  assert.is(envelope.status, 400, envelope.text);
  assert.match(JSON.parse(envelope.text).message, /^field \/id is required/);
  // The gateway's counters: the refused calls never reached a replica; the valid one did.
  assert.is(await received('score'), 0);
  const good = await post('/models/score', '{"features": [2, 0.5], "id": 3}');
  assert.is(good.status, 200, good.text);
  assert.equal(JSON.parse(good.text).response, { score: 2.5, id: 3 });
  assert.is(await received('score'), 1);
});

test('a validated request reaches the model byte for byte (a big integer is not rounded)', async () => {
  const good = await post('/models/score', '{"features": [1], "id": 12345678901234567890123}');
  assert.is(good.status, 200, good.text);
  assert.match(good.text, '12345678901234567890123', good.text);
});

test('without validateInput, a request outside the declared schema still reaches the model', async () => {
  const res = await post('/models/typed', '{"text": "far too long"}', apiKey);
  assert.is(res.status, 200, res.text);
  assert.match(res.text, "'text': 'far too long'");
});

test.run();
