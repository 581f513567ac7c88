// The gateway's list-watch against the fake: a refusing server is retried with exponential backoff
// and jitter (counted, never slept: the pause is injected), a closed watch resumes from the last
// bookmark without listing again, and 410 Gone gives exactly one re-list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKubeApi } from '../../src/backends/kubernetes/kube-api.ts';
import { backoffMs, startListWatch } from '../../src/backends/kubernetes/list-watch.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';

const ns = 'watch';
let fake: FakeKubeApiServer;
test.before(async () => {
  fake = await startFakeKubeApiServer();
});
test.after(async () => {
  await fake.close();
});

/** Waits for `condition`, looking again on each turn of the event loop (bounded; no fixed sleep). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

const path = `/api/v1/namespaces/${ns}/configmaps`;
const lists = () => fake.requests.filter((r) => r.path === path && r.method === 'GET' && r.query.watch === undefined);
const watches = () => fake.requests.filter((r) => r.path === path && r.query.watch !== undefined);

test('backoff doubles up to its cap, half of it jittered', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 1000, 30_000, () => 0)), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.equal([1, 2, 6].map((n) => backoffMs(n, 1000, 30_000, () => 0.999999)), [1000, 2000, 30000]);
});

test('watches refused with 403 and 429 back off; bookmarks resume without a list; 410 Gone lists once', async () => {
  fake.put('configmaps', ns, { metadata: { name: 'a' }, data: { v: '1' } });
  const pauses: number[] = [];
  const names = new Set<string>();
  fake.watches.failNext(403, 3);
  fake.watches.failNext(429, 2);
  const lw = startListWatch<{ metadata?: { name?: string } }>({
    api: createKubeApi(fake.kubeConfig(ns), ns), apiVersion: 'v1', kind: 'ConfigMap', path,
    onList(items) {
      names.clear();
      for (const i of items) names.add(i.metadata!.name!);
    },
    onEvent(e) {
      if (e.type !== 'DELETED') names.add(e.object.metadata!.name!);
    },
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
  });
  try {
    await lw.synced;
    await until(() => fake.watches.open === 1, 'a watch open after the refusals');
    // Five refusals, five growing pauses, one list.
    assert.equal(pauses, [750, 1500, 3000, 6000, 12000]);
    assert.is(lists().length, 1);
    assert.is(watches().length, 6);
    assert.is(watches()[5].query.allowWatchBookmarks, 'true');

    // A bookmark moves the resume point; the server ends the watch; the next one starts there, no list.
    fake.put('configmaps', 'elsewhere', { metadata: { name: 'unrelated' } });
    fake.watches.bookmark();
    const bookmarked = String(fake.store.resourceVersion);
    await until(() => true, 'bookmark delivered');
    fake.put('configmaps', ns, { metadata: { name: 'b' } });
    await until(() => names.has('b'), 'event b');
    fake.watches.closeAll();
    await until(() => watches().length === 7 && fake.watches.open === 1, 'a new watch');
    assert.is(lists().length, 1, 'no list after a closed watch');
    assert.ok(Number(watches()[6].query.resourceVersion) >= Number(bookmarked), 'resumed from the bookmark or later');
    assert.is(pauses.length, 5, 'a watch that worked is renewed at once');

    // History compacted past the resume point: the next watch gets 410 Gone, and lists once.
    fake.put('configmaps', 'elsewhere', { metadata: { name: 'unrelated-2' } });
    fake.store.compact();
    fake.put('configmaps', 'elsewhere', { metadata: { name: 'unrelated-3' } });
    fake.watches.closeAll();
    await until(() => lists().length === 2 && fake.watches.open === 1, 'one re-list and a watch');
    assert.is(lists().length, 2);
    assert.equal([...names].sort(), ['a', 'b']);
  } finally {
    lw.stop();
  }
});

test.run();
