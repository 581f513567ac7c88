// Access keys and API keys as the CLI manages them, checked through the running daemon: rotation,
// revocation, expiry and scoping take effect at once, and no API key is ever written in plain.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

const modelsYaml = `version: 1
project: keys
models:
${modelEntry('secured', 'echo')}
${modelEntry('other', 'echo')}
`;

const test = suite('keys through the daemon');
let p: LocalProject;
/** Every API key this file created, to look for in listings and files. */
const created: string[] = [];

async function newKey(...extra: string[]): Promise<string> {
  const key = await p.apiKey(...extra);
  assert.match(key, /^slw_[A-Za-z0-9]{40}$/);
  created.push(key);
  return key;
}

async function keyId(name: string): Promise<number> {
  const list = await p.json<Array<{ id: number; name: string }>>('keys', 'list', '--json');
  const found = list.find((k) => k.name === name);
  if (!found) throw new Error(`no API key named ${name} in ${JSON.stringify(list)}`);
  return found.id;
}

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/models.py': behavingModels });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
});
test.after(async () => {
  // Also when `before` failed half-way: whatever started is stopped.
  await p?.cleanup();
});

test('keys rotate: the old access key stops at once (404), the new one works', async () => {
  const apiKey = await newKey('--name', 'rotation');
  const old = p.accessKey('secured');
  assert.is((await p.cml(old, { n: 1 }, apiKey)).status, 200);
  const out = await p.ok('keys', 'rotate', 'secured');
  const fresh = p.accessKey('secured');
  assert.is.not(fresh, old);
  assert.match(fresh, /^[a-z0-9]{32}$/);
  assert.match(out, fresh);
  const refused = await p.cml(old, { n: 2 }, apiKey);
  assert.is(refused.status, 404, JSON.stringify(refused.body));
  assert.is(refused.body.errorCode, 'model.not_found');
  const answer = await p.cml(fresh, { n: 3 }, apiKey);
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.response, { n: 3 });
  assert.is((await p.cml(p.accessKey('other'), { n: 4 }, apiKey)).status, 200, "another model's key is untouched");
});

test('keys revoke: a revoked API key is refused at once (401 auth.revoked)', async () => {
  const key = await newKey('--name', 'to-revoke');
  assert.is((await p.call('secured', { n: 1 }, key)).status, 200);
  const id = await keyId('to-revoke');
  assert.match(await p.ok('keys', 'revoke', String(id)), `API key #${id} revoked`);
  const refused = await p.call('secured', { n: 2 }, key);
  assert.is(refused.status, 401, JSON.stringify(refused.body));
  assert.is(refused.body.errorCode, 'auth.revoked');
  const list = await p.json<Array<{ id: number; status: string }>>('keys', 'list', '--json');
  assert.is(list.find((k) => k.id === id)?.status, 'revoked');
});

test('an expired API key is refused (403 auth.expired)', async () => {
  const key = await newKey('--name', 'brief', '--expires', '1s');
  const refused = await eventually('the key to expire', async () => {
    const a = await p.call('secured', { n: 1 }, key);
    return a.status === 200 ? undefined : a;
  });
  assert.is(refused.status, 403, JSON.stringify(refused.body));
  assert.is(refused.body.errorCode, 'auth.expired');
});

test('a key scoped to other models is refused (403 auth.forbidden) and works on its own models', async () => {
  const key = await newKey('--name', 'scoped', '--models', 'other');
  const refused = await p.call('secured', { n: 1 }, key);
  assert.is(refused.status, 403, JSON.stringify(refused.body));
  assert.is(refused.body.errorCode, 'auth.forbidden');
  assert.is((await p.cml(p.accessKey('other'), { n: 1 }, key)).status, 200);
});

test('keys create prints the key once; keys list never shows one', async () => {
  const out = await p.ok('keys', 'create', '--name', 'loud');
  const key = /^(slw_[A-Za-z0-9]{40})$/m.exec(out)?.[1];
  assert.ok(key, out);
  created.push(key!);
  assert.match(out, 'shown only now');
  const plain = await p.ok('keys', 'list');
  const json = await p.ok('keys', 'list', '--json');
  for (const k of created) {
    assert.not.match(plain, k.slice(4));
    assert.not.match(json, k.slice(4));
  }
  assert.match(plain, `${key!.slice(0, 12)}…`, 'the listing shows the non-secret prefix');
  assert.is(JSON.parse(json).length, created.length);
});

test("no file under .slipway (store, WAL, logs) holds an API key's plaintext", async () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  walk(path.join(p.root, '.slipway'));
  assert.ok(files.some((f) => f.endsWith('state.db')));
  assert.ok(created.length >= 5);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const key of created) {
      // The part after the listed prefix is the secret.
      assert.is(bytes.indexOf(key.slice(12)), -1, `${path.relative(p.root, file)} holds an API key`);
    }
  }
});

test.run();
