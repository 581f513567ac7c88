// Dashboard sessions saved and restored (plain values): what is saved holds no cookie value and no
// API key; a restored session is found by its cookie, without its key; ending one saves again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSessions, SESSION_COOKIE, type SavedSession } from '../../src/ui/session.ts';

const T = Date.UTC(2026, 11, 1, 12);
const keyPrincipal = { kind: 'api-key' as const, id: 3, name: 'ci', prefix: 'slw_abcdefgh', models: ['iris'], key: 'slw_abcdefgh' + 'x'.repeat(32) };

test('saved sessions hold hashes and principals without keys; restored ones are found by their cookie', () => {
  let saved: SavedSession[] = [];
  const first = createSessions({ changed: (s) => (saved = s) });
  const admin = first.create({ kind: 'admin' }, T);
  const user = first.create(keyPrincipal, T);
  assert.is(saved.length, 2, 'saved on create');
  const text = JSON.stringify(saved);
  for (const secret of [admin.id, user.id, keyPrincipal.key]) assert.not.ok(text.includes(secret), 'nothing secret saved');

  const second = createSessions({ restored: saved });
  const found = second.find(`${SESSION_COOKIE}=${user.id}`, T + 1000)!;
  assert.equal(found.principal, { ...keyPrincipal, key: null }, 'the key stays behind');
  assert.is(found.csrf, user.csrf, 'the page’s CSRF token still works');
  assert.is(found.id, user.id, 'its id, from the cookie, for logout');
  assert.is(second.find(`${SESSION_COOKIE}=${admin.id}`, T)!.principal.kind, 'admin');
  assert.is(second.find(`${SESSION_COOKIE}=not-a-session`, T), null);
});

test('ending a session or every session of a key saves the rest; idle sessions expire across a restart', () => {
  let saved: SavedSession[] = [];
  const sessions = createSessions({ changed: (s) => (saved = s) });
  const a = sessions.create(keyPrincipal, T);
  sessions.create(keyPrincipal, T);
  const admin = sessions.create({ kind: 'admin' }, T);
  sessions.endKey(3);
  assert.equal(saved.map((s) => s.principal.kind), ['admin']);
  assert.is(sessions.find(`${SESSION_COOKIE}=${a.id}`, T), null);
  const restored = createSessions({ restored: saved });
  assert.is(restored.find(`${SESSION_COOKIE}=${admin.id}`, T + 13 * 3_600_000), null, 'idle past 12 h');
});

test.run();
