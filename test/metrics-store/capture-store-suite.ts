// Captured calls in the cluster's metrics store, for every implementation (SQLite, PostgreSQL):
// the table round-trips, a gateway's batches are cut to `maxPerDay` and expire after
// `retentionDays`, and what the in-cluster gateway's recorder sends is redacted before it leaves
// (the stored rows are read back raw).
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createCaptureRecorder } from '../../src/capture/recorder.ts';
import type { TappedCall } from '../../src/gateway/types.ts';
import { createCaptureForwarder } from '../../src/metrics-store/capture-forwarder.ts';
import { createMetricsStoreServer } from '../../src/metrics-store/metrics-store-server.ts';
import type { CaptureSettings } from '../../src/spec/types.ts';
import type { CapturedCall } from '../../src/store/captures.ts';
import type { OpenStore } from './metrics-store-suite.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 12);

function captured(n: number, extra: Partial<CapturedCall> = {}): CapturedCall {
  return { model: 'iris', deploymentId: 4, build: 2, at: T0 + n, latencyMs: 1.5, status: 200, outcome: 'success', request: JSON.stringify({ n }), response: JSON.stringify({ value: n * 2 }), ...extra };
}

/** `teardown` runs once the suite is done (stops a server the test started). */
export function captureStoreSuite(name: string, open: OpenStore, teardown?: () => void | Promise<void>): void {
  const s = suite(`metrics store captures (${name})`);
  if (teardown) s.after(async () => teardown());

  s('captured calls round-trip: oldest first from a time, the newest N, counts, expiry', async () => {
    const { backend, cleanup } = await open();
    try {
      await backend.insertCaptures([0, 1, 2, 3].map((n) => ({ ...captured(n), expiresMs: T0 + DAY * (n + 1) })));
      await backend.insertCaptures([{ ...captured(9, { model: 'other', response: null, outcome: 'error', status: 502 }), expiresMs: T0 + DAY }]);
      const all = await backend.listCaptures({ model: 'iris', sinceMs: 0, limit: 100, newest: false });
      assert.equal(all.map((c) => c.request), ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
      assert.equal(all[1], { ...captured(1), expiresMs: T0 + 2 * DAY });
      assert.equal((await backend.listCaptures({ model: 'iris', sinceMs: T0 + 1, limit: 2, newest: false })).map((c) => c.at), [T0 + 1, T0 + 2]);
      assert.equal((await backend.listCaptures({ model: 'iris', sinceMs: 0, limit: 2, newest: true })).map((c) => c.at), [T0 + 2, T0 + 3]);
      assert.is((await backend.listCaptures({ model: 'other', sinceMs: 0, limit: 9, newest: false }))[0]!.response, null);
      assert.is(await backend.countCaptures('iris', T0 + 2), 2);
      assert.is(await backend.deleteExpiredCaptures(T0 + 2 * DAY + 5), 3, 'iris 0 and 1, other');
      assert.equal((await backend.listCaptures({ model: 'iris', sinceMs: 0, limit: 100, newest: false })).map((c) => c.at), [T0 + 2, T0 + 3]);
    } finally {
      await cleanup();
    }
  });

  s('over HTTP: batches are cut to maxPerDay across batches, expire after retentionDays, and need the token (header or proxy header)', async () => {
    const { backend, cleanup } = await open();
    let clock = T0;
    const server = createMetricsStoreServer({ backend, token: 'store-token', now: () => clock });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (calls: CapturedCall[], keep: unknown, headers: Record<string, string> = { authorization: 'Bearer store-token' }) =>
      fetch(`${base}/captures`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ calls, keep }) });
    try {
      assert.is((await post([captured(0)], {}, { authorization: 'Bearer wrong' })).status, 401);
      const keep = { iris: { maxPerDay: 3, retentionDays: 2 }, other: { maxPerDay: 100, retentionDays: 14 } };
      assert.equal(await (await post([captured(0), captured(1)], keep)).json(), { success: true, stored: 2 });
      assert.equal(await (await post([captured(2), captured(3), captured(4, { model: 'other' })], keep)).json(), { success: true, stored: 2 }, 'one more iris today, and other');
      assert.is((await post([{ ...captured(5), request: 7 as never }], keep)).status, 400);
      const read = async (query: string, headers: Record<string, string> = { 'x-slipway-store-token': 'store-token' }) => {
        const answer = await fetch(`${base}/captures?${query}`, { headers });
        assert.is(answer.status, 200);
        return ((await answer.json()) as { calls: CapturedCall[] }).calls;
      };
      assert.equal((await read('model=iris')).map((c) => c.request), ['{"n":0}', '{"n":1}', '{"n":2}']);
      assert.equal((await read('model=iris&newest=1&limit=1')).map((c) => c.request), ['{"n":2}']);
      assert.is((await fetch(`${base}/captures?model=iris`, { headers: { 'x-slipway-store-token': 'nope' } })).status, 401);
      // The next day: a fresh allowance; two days on, the first day's iris calls are past retention.
      clock = T0 + DAY;
      assert.equal(await (await post([captured(DAY)], keep)).json(), { success: true, stored: 1 });
      clock = T0 + 2 * DAY + 10;
      assert.equal(await (await post([], keep)).json(), { success: true, stored: 0 });
      assert.equal((await read('model=iris')).map((c) => c.at), [T0 + DAY]);
      assert.equal((await read('model=other')).length, 1, "other keeps its 14 days");
    } finally {
      server.close();
      await cleanup();
    }
  });

  s("the gateway's recorder samples, caps and redacts before sending: redacted fields are not in the stored rows, headers never are", async () => {
    const { backend, cleanup } = await open();
    const server = createMetricsStoreServer({ backend, token: 'store-token', now: () => T0 });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const settings = new Map<string, CaptureSettings>([['iris', { sample: 0.5, maxPerDay: 3, retentionDays: 14, redact: ['/ssn', '/person/email', '/secret'] }]]);
    const forwarder = createCaptureForwarder({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'store-token', settings: () => settings, log: () => {} });
    const draws = [0.1, 0.9, 0.2, 0.3, 0.4, 0.1];
    const recorder = createCaptureRecorder({ sink: forwarder, log: () => {}, now: () => T0, random: () => draws.shift() ?? 0 });
    try {
      const tap = recorder.tap('iris');
      for (let n = 0; n < 6; n++) {
        const request = { n, ssn: `123-45-${n}`, person: { email: `p${n}@example.com`, city: 'Oslo' } };
        const call: TappedCall = {
          model: 'iris', deploymentId: 4, build: 2, role: 'primary', replicaId: 'iris-4-1', status: 200, outcome: 'success',
          request: Buffer.from(JSON.stringify(request)), answer: Buffer.from(JSON.stringify({ response: { label: 'a', secret: `s${n}` }, metrics: null, uuid: null })),
          seconds: 0.002, startedAt: T0 + n,
        };
        tap(call);
      }
      recorder.flush();
      await forwarder.flush();
      const rows = await backend.listCaptures({ model: 'iris', sinceMs: 0, limit: 100, newest: false });
      // Drawn under 0.5: n = 0, 2, 3, 4, 5; the day's cap of 3 keeps 0, 2, 3.
      assert.equal(rows.map((r) => JSON.parse(r.request)), [0, 2, 3].map((n) => ({ n, person: { city: 'Oslo' } })));
      assert.equal(rows.map((r) => JSON.parse(r.response!)), [0, 2, 3].map(() => ({ value: { label: 'a' } })));
      const raw = rows.map((r) => `${r.request} ${r.response}`).join('\n');
      for (const leaked of ['123-45', '@example.com', '"s0"', 'authorization']) assert.not.ok(raw.includes(leaked), `${leaked} is not stored`);
      assert.equal([rows[0]!.deploymentId, rows[0]!.build, rows[0]!.latencyMs, rows[0]!.expiresMs], [4, 2, 2, T0 + 14 * DAY]);
    } finally {
      recorder.close();
      server.close();
      await cleanup();
    }
  });

  s.run();
}
