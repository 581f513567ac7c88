// The capture recorder over a real SQLite store in a temp folder: sampling by an injected draw,
// the daily cap, redaction (checked in the file's bytes), shadows never captured, retention.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCaptureRecorder } from '../../src/capture/recorder.ts';
import { redact } from '../../src/capture/redact.ts';
import { parseReplaySet } from '../../src/capture/replay-set.ts';
import { parseSince } from '../../src/capture/since.ts';
import type { TappedCall } from '../../src/gateway/types.ts';
import { listCaptures, saveCaptureSettings } from '../../src/store/captures.ts';
import { openStore, type Store } from '../../src/store/database.ts';

function withStore(fn: (store: Store, file: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-capture-'));
  const file = path.join(dir, 'store.db');
  const store = openStore(file);
  try {
    fn(store, file);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const DAY = 86_400_000;

function call(request: unknown, response: unknown, extra: Partial<TappedCall> = {}): TappedCall {
  return {
    model: 'm', deploymentId: 3, build: 2, role: 'primary', replicaId: 'm-1', status: 200, outcome: 'success',
    request: Buffer.from(JSON.stringify(request)), answer: Buffer.from(JSON.stringify({ response, metrics: null, uuid: null })),
    seconds: 0.0042, startedAt: 10 * DAY + 1000, ...extra,
  };
}

test('redact drops object keys and array elements named by JSON pointers; unknown paths are ignored', () => {
  const value = { a: { email: 'x@y', keep: 1 }, 'b/c': 2, 'd~e': 3, list: [{ ssn: 1, k: 2 }, 'drop-me', 'stay'] };
  assert.equal(redact(value, ['/a/email', '/b~1c', '/d~0e', '/list/0/ssn', '/list/1', '/nope/deeper', '/list/9']), {
    a: { keep: 1 }, list: [{ k: 2 }, 'stay'],
  });
});

test('sampled calls are stored redacted, in a batch, never a shadow; the daily cap holds', () => {
  withStore((store, file) => {
    saveCaptureSettings(store, new Map([['m', { sample: 0.5, maxPerDay: 3, retentionDays: 14, redact: ['/card', '/owner/email'] }]]));
    const draws = [0.1, 0.9, 0.2, 0.3, 0.4];
    let clock = 10 * DAY + 5000;
    const recorder = createCaptureRecorder({ store, log: () => {}, random: () => draws.shift() ?? 0, now: () => clock, flushMs: 60_000 });
    const tap = recorder.tap('m');
    tap(call({ card: '4111-1111-1111-1111', x: 1 }, { score: 0.9, owner: { email: 'secret@example.com', id: 7 } }));
    tap(call({ x: 2 }, { score: 0.1 })); // draw 0.9: not sampled
    tap(call({ x: 3 }, null, { role: 'shadow' })); // never captured (and takes no draw)
    tap(call({ x: 4 }, null, { outcome: 'raised', status: 500, answer: Buffer.from('{"error":{"type":"ValueError","message":"bad","traceback":"Traceback …secret-path…"}}') }));
    tap(call({ x: 5 }, 5));
    tap(call({ x: 6 }, 6)); // over maxPerDay (3)
    assert.equal(listCaptures(store, 'm'), [], 'nothing written before the flush');
    recorder.flush();
    const rows = listCaptures(store, 'm');
    assert.equal(rows.map((r) => JSON.parse(r.request)), [{ x: 1 }, { x: 4 }, { x: 5 }]);
    assert.equal(JSON.parse(rows[0].response!), { value: { score: 0.9, owner: { id: 7 } } });
    assert.equal(JSON.parse(rows[1].response!), { error: { type: 'ValueError', message: 'bad' } });
    assert.equal([rows[0].deploymentId, rows[0].build, rows[0].status, rows[0].latencyMs, rows[0].at], [3, 2, 200, 4.2, 10 * DAY + 1000]);
    const bytes = readFileSync(file).toString('latin1') + readWalIfAny(file);
    for (const secret of ['4111-1111', 'secret@example.com', 'secret-path']) assert.not.ok(bytes.includes(secret), `${secret} reached the store file`);
    // A new day: the cap starts again.
    clock += DAY;
    draws.push(0);
    tap(call({ x: 7 }, 7, { startedAt: clock }));
    recorder.flush();
    assert.is(listCaptures(store, 'm').length, 4);
    // Retention: 14 days after the first day's calls, only the second day's remains.
    clock = 10 * DAY + 14 * DAY + 10_000;
    assert.is(recorder.prune(), 3);
    assert.equal(listCaptures(store, 'm').map((r) => JSON.parse(r.request)), [{ x: 7 }]);
    recorder.close();
  });
});

test('the timer\'s drain writes a slice per turn of the event loop, in order, calls tapped meanwhile included', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-capture-'));
  const store = openStore(path.join(dir, 'store.db'));
  try {
    saveCaptureSettings(store, new Map([['m', { sample: 1, maxPerDay: 100, retentionDays: 14, redact: [] }]]));
    const recorder = createCaptureRecorder({ store, log: () => {}, random: () => 0, now: () => 10 * DAY, flushMs: 60_000, sliceRows: 2 });
    const tap = recorder.tap('m');
    const stored = () => listCaptures(store, 'm').map((r) => JSON.parse(r.request).x);
    for (let x = 1; x <= 5; x++) tap(call({ x }, x));
    const done = recorder.drain();
    assert.equal(stored(), [1, 2], 'one slice at once');
    // The loop is let go between slices: a callback queued now runs before the rest is written.
    const between = await new Promise<number[]>((resolve) => setImmediate(() => resolve(stored())));
    assert.equal(between, [1, 2, 3, 4]);
    tap(call({ x: 6 }, 6));
    recorder.drain();
    await done;
    assert.equal(stored(), [1, 2, 3, 4, 5, 6]);
    // flush() still writes everything at once, a drain under way included.
    for (let x = 7; x <= 11; x++) tap(call({ x }, x));
    const late = recorder.drain();
    recorder.flush();
    assert.equal(stored(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await late;
    assert.is(stored().length, 11, 'nothing written twice');
    recorder.close();
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model without capture settings is never captured', () => {
  withStore((store) => {
    const recorder = createCaptureRecorder({ store, log: () => {}, random: () => 0 });
    recorder.tap('m')(call({ x: 1 }, 1));
    recorder.close();
    assert.equal(listCaptures(store, 'm'), []);
  });
});

test('replay sets and --since: clear errors with line numbers', () => {
  assert.equal(parseReplaySet('r.jsonl', '{"request": {"a": 1}}\n\n{"request": 2, "response": {"value": 3}}\n'), {
    ok: true, cases: [{ line: 1, request: { a: 1 } }, { line: 3, request: 2 }],
  });
  const bad = parseReplaySet('r.jsonl', '{"request": 1}\n{"a": 1}\nnot json\n');
  assert.is(bad.ok, false);
  if (!bad.ok) assert.equal(bad.issues.map((i) => i.line), [2, 3]);
  assert.equal(parseSince('2h', 10_000_000), { ok: true, ms: 10_000_000 - 7_200_000 });
  assert.equal(parseSince('2026-12-01T00:00:00Z', 0), { ok: true, ms: Date.parse('2026-12-01T00:00:00Z') });
  assert.is(parseSince('yesterday', 0).ok, false);
});

function readWalIfAny(file: string): string {
  try {
    return readFileSync(`${file}-wal`).toString('latin1');
  } catch {
    return '';
  }
}

test.run();
