// Dashboard sessions and API keys' "last used" survive a daemon restart: a real daemon logged in
// to over HTTP (admin token and an API key), a call with the key, `slipway down`, `slipway up`,
// and the same cookies still open the pages; the store holds no cookie value and no API key.
import { DatabaseSync } from 'node:sqlite';
import { storePath } from '../../src/backends/local/observe.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

let p: LocalProject;

test.before(async () => {
  p = await localProject({ 'models.yaml': `version: 1\nmodels:\n${modelEntry('echo', 'echo', ['auth: true'])}\n`, 'm/models.py': behavingModels });
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
  await p.ok('apply', '--yes');
});

test.after(async () => {
  await p?.cleanup();
});

/** Logs in through the form (the double-submit token first) and returns the session cookie. */
async function login(secret: string): Promise<string> {
  const form = await fetch(`${p.url}/login`);
  const loginCookie = /slipway_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
  const answer = await fetch(`${p.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `slipway_login=${loginCookie}` },
    body: new URLSearchParams({ login: loginCookie, key: secret, next: '/' }).toString(),
  });
  assert.is(answer.status, 303, 'logged in');
  return /slipway_session=([^;]+)/.exec(answer.headers.getSetCookie().join('\n'))![1]!;
}

const page = (url: string, session: string) => fetch(`${p.url}${url}`, { redirect: 'manual', headers: { cookie: `slipway_session=${session}` } });

test('after a restart the same sessions open the pages, keys keep their last use, and neither a cookie nor a key is in the store', async () => {
  const adminSession = await login(p.daemonFile()!.token);
  const apiKey = await p.apiKey('--name', 'restart-check');
  const keySession = await login(apiKey);
  assert.is((await p.call('echo', { n: 1 }, apiKey)).status, 200);
  const before = await (await page('/ui/keys', adminSession)).text();
  const lastUsed = /restart-check[\s\S]*?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)/.exec(before)?.[1];
  assert.ok(lastUsed, 'the keys page shows the call');

  await p.down();
  const db = new DatabaseSync(storePath(p.root), { readOnly: true });
  const meta = (db.prepare('SELECT v FROM meta').all() as Array<{ v: string }>).map((r) => r.v).join('\n');
  db.close();
  for (const secret of [adminSession, keySession, apiKey, apiKey.slice(12)]) assert.not.ok(meta.includes(secret), 'nothing secret saved');
  await p.ok('up', '-d', '--no-watch', '--port', String(p.port));

  assert.is((await page('/', adminSession)).status, 200, 'the admin session survived');
  assert.is((await page('/ui/models/echo', keySession)).status, 200, "the API key's session survived");
  assert.is((await page('/', 'not-a-session')).status, 303, 'others still go to the login');
  const after = await (await page('/ui/keys', adminSession)).text();
  assert.match(after, lastUsed!, 'last used survived');
  // The key was never saved: its test calls need a new login, said plainly.
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(await (await page('/ui/models/echo', keySession)).text())![1]!;
  const widget = await fetch(`${p.url}/ui/models/echo/call`, {
    method: 'POST',
    headers: { cookie: `slipway_session=${keySession}`, 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify({ input: { n: 2 } }),
  });
  assert.is(widget.status, 401);
  assert.match(((await widget.json()) as { error: string }).error, 'log in again');
});

test.run();
