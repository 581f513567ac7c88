// The dashboard's shared cluster read: concurrent callers share one read, a fresh value is reused,
// a stale one is read again, a failure is not kept, and invalidate forces a new read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRead } from '../../src/ui/shared-read.ts';

/** A read that resolves when told to, counting how often it was started. */
function gatedRead() {
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  let reads = 0;
  return {
    read: () => new Promise<number>((resolve, reject) => {
      reads++;
      pending.push({ resolve, reject });
    }),
    reads: () => reads,
    resolve: (v: number) => pending.shift()!.resolve(v),
    reject: (e: Error) => pending.shift()!.reject(e),
  };
}

test('ten callers during one read share it', async () => {
  const g = gatedRead();
  const shared = sharedRead(g.read, 2000, () => 0);
  const all = Promise.all(Array.from({ length: 10 }, () => shared.get()));
  assert.is(g.reads(), 1);
  g.resolve(7);
  assert.equal(await all, Array(10).fill(7));
});

test('a value is reused while fresh and read again once stale', async () => {
  const g = gatedRead();
  let t = 1000;
  const shared = sharedRead(g.read, 2000, () => t);
  const first = shared.get();
  g.resolve(1);
  assert.is(await first, 1);
  t = 2999;
  assert.is(await shared.get(), 1);
  assert.is(g.reads(), 1, 'fresh: no new read');
  t = 3000;
  const second = shared.get();
  assert.is(g.reads(), 2, 'stale: read again');
  g.resolve(2);
  assert.is(await second, 2);
});

test('a failed read is not kept: the next caller reads again', async () => {
  const g = gatedRead();
  const shared = sharedRead(g.read, 2000, () => 0);
  const failing = shared.get();
  g.reject(new Error('the API server answered 500'));
  await failing.then(() => assert.unreachable('it failed'), (e: Error) => assert.is(e.message, 'the API server answered 500'));
  const retry = shared.get();
  assert.is(g.reads(), 2);
  g.resolve(3);
  assert.is(await retry, 3);
});

test('invalidate forgets the kept value and a read that started before it', async () => {
  const g = gatedRead();
  const shared = sharedRead(g.read, 2000, () => 0);
  const first = shared.get();
  g.resolve(1);
  await first;
  shared.invalidate();
  const before = shared.get();
  shared.invalidate();
  const after = shared.get();
  assert.is(g.reads(), 3, 'a read after invalidate does not join the earlier one');
  g.resolve(10);
  g.resolve(20);
  assert.equal([await before, await after], [10, 20]);
  assert.is(await shared.get(), 20, 'only the read started after invalidate is kept');
});

test.run();
