import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Refusal, ReplicaPool, type Slot } from '../../src/gateway/replica-pool.ts';
import type { ReplicaHandle } from '../../src/gateway/types.ts';

// What the pool carries per replica here: plain values that record how they were opened/closed.
type Conn = { origin: string; previous: Conn | null; closed: boolean };

function makePool(concurrency = 1, busyTimeoutMs = 60_000) {
  const opened: Conn[] = [];
  const pool = new ReplicaPool<Conn>({
    concurrency,
    busyTimeoutMs,
    open(handle, previous) {
      const conn = { origin: handle.origin, previous, closed: false };
      opened.push(conn);
      return conn;
    },
    close(conn) {
      conn.closed = true;
    },
  });
  return { pool, opened };
}

const handles = (...ids: string[]): ReplicaHandle[] => ids.map((id) => ({ id, origin: `http://${id}` }));

/** Queues a call and exposes its outcome as a promise plus a synchronous peek. */
function queue(pool: ReplicaPool<Conn>) {
  let outcome: Slot<Conn> | Refusal | undefined;
  let waiter!: { cancel(): void };
  const done = new Promise<Slot<Conn> | Refusal>((resolve) => {
    waiter = pool.wait((o) => {
      outcome = o;
      resolve(o);
    });
  });
  return { done, waiter, peek: () => outcome };
}

test('acquire takes a free replica, and returns null when every replica is full', () => {
  const { pool } = makePool(1);
  pool.replace(handles('a', 'b'), true);
  const first = pool.acquire();
  const second = pool.acquire();
  assert.equal([first?.id, second?.id], ['a', 'b']);
  assert.is(pool.acquire(), null);
  pool.release(first!);
  assert.is(pool.acquire()?.id, 'a');
});

test('least in-flight first with concurrency 2, ties to the replica used last', () => {
  const { pool } = makePool(2);
  pool.replace(handles('a', 'b'), true);
  const ids = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()].map((s) => s?.id);
  assert.equal(ids, ['a', 'b', 'b', 'a']);
  assert.is(pool.acquire(), null);
});

test('one call at a time keeps going to the same warm replica; the one freed last is preferred', () => {
  const { pool } = makePool(1);
  pool.replace(handles('a', 'b', 'c'), true);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const slot = pool.acquire()!;
    ids.push(slot.id);
    pool.release(slot);
  }
  assert.equal(ids, ['a', 'a', 'a', 'a']);
  const a = pool.acquire()!;
  const b = pool.acquire()!;
  assert.is(b.id, 'b');
  pool.release(a);
  pool.release(b);
  assert.is(pool.acquire()?.id, 'b', 'b was freed last');
});

test('queued calls are served first in, first out as replicas free up', async () => {
  const { pool } = makePool(1);
  pool.replace(handles('a'), true);
  const held = pool.acquire()!;
  const one = queue(pool);
  const two = queue(pool);
  assert.is(pool.queued, 2);
  // a newcomer does not jump the queue
  assert.is(pool.acquire(), null);
  pool.release(held);
  assert.is(((await one.done) as Slot<Conn>).id, 'a');
  assert.is(two.peek(), undefined);
  pool.release(held);
  assert.is(((await two.done) as Slot<Conn>).id, 'a');
  assert.is(held.inFlight, 1);
});

test('a queued call gets busy after busyTimeoutMs, or unavailable when no replica is ready', async () => {
  const { pool } = makePool(1, 10);
  pool.replace(handles('a'), true);
  pool.acquire();
  assert.is(await queue(pool).done, 'busy');
  assert.is(pool.queued, 0);
  const empty = makePool(1, 10).pool;
  empty.replace([], true);
  assert.is(empty.acquire(), null);
  assert.is(await queue(empty).done, 'unavailable');
});

test('a cancelled waiter leaves the queue and is never called', async () => {
  const { pool } = makePool(1);
  pool.replace(handles('a'), true);
  const held = pool.acquire()!;
  const gone = queue(pool);
  const next = queue(pool);
  gone.waiter.cancel();
  pool.release(held);
  assert.is(((await next.done) as Slot<Conn>).id, 'a');
  assert.is(gone.peek(), undefined);
});

test('replace sends queued calls to the new replicas and closes the old connections', async () => {
  const { pool, opened } = makePool(1);
  pool.replace(handles('old'), true);
  const old = pool.acquire()!;
  const waiting = queue(pool);
  pool.replace(handles('new'), true);
  assert.is(((await waiting.done) as Slot<Conn>).id, 'new');
  assert.ok(old.value.closed);
  assert.is(opened.length, 2);
  // the old replica finishing does not take calls any more
  const next = queue(pool);
  pool.release(old);
  assert.is(next.peek(), undefined);
  next.waiter.cancel();
});

test('drained resolves only once the replicas have no call in flight', async () => {
  const { pool } = makePool(2);
  pool.replace(handles('a', 'b'), true);
  const a1 = pool.acquire()!;
  const b1 = pool.acquire()!;
  const b2 = pool.acquire()!;
  assert.is(b2.id, 'b');
  pool.replace(handles('c'), true);
  let drained = false;
  const done = pool.drained(['a', 'b', 'unknown']).then(() => (drained = true));
  pool.release(a1);
  pool.release(b1);
  await Promise.resolve();
  assert.is(drained, false);
  pool.release(b2);
  await done;
  assert.is(drained, true);
  // forgotten once drained: they left with their deployment
  assert.equal([...pool.slots()].map((s) => s.id), ['c']);
  await pool.drained(['a', 'nothing']);
});

test('a removed (dead) replica gets no calls until a replace lists it again', () => {
  const { pool, opened } = makePool(1);
  pool.replace(handles('a', 'b'), true);
  pool.remove('a');
  assert.is(pool.acquire()?.id, 'b');
  assert.is(pool.acquire(), null);
  pool.replace(handles('a', 'b'), false);
  const slot = pool.acquire();
  assert.is(slot?.id, 'a');
  // same origin: the connections are kept, not reopened
  assert.is(opened.length, 2);
});

test('a new origin for the same id reopens, passing what the id had before', () => {
  const { pool, opened } = makePool(1);
  pool.replace(handles('a'), true);
  const before = pool.get('a')!.value;
  pool.replace([{ id: 'a', origin: 'http://a-restarted' }], false);
  const after = pool.get('a')!.value;
  assert.is(after.origin, 'http://a-restarted');
  assert.is(after.previous, before);
  assert.ok(before.closed);
  assert.is(opened.length, 2);
});

test('within one deployment a replica that left is kept, and comes back with its value', () => {
  const { pool } = makePool(1);
  pool.replace(handles('a', 'b'), true);
  const first = pool.get('b')!.value;
  pool.replace(handles('a'), false);
  const kept = pool.get('b')!;
  assert.is(kept.listed, false);
  assert.ok(first.closed);
  pool.replace(handles('a', 'b'), false);
  assert.is(pool.get('b')!.value.previous, first);
  assert.is(pool.get('b'), kept);
  // a new deployment forgets it
  pool.replace(handles('a'), true);
  assert.is(pool.get('b'), undefined);
});

test('refuseQueued answers every waiter with the reason', async () => {
  const { pool } = makePool(1);
  pool.replace(handles('a'), true);
  pool.acquire();
  const one = queue(pool);
  const two = queue(pool);
  pool.refuseQueued('stopped');
  assert.equal([await one.done, await two.done], ['stopped', 'stopped']);
  assert.is(pool.queued, 0);
});

test('raising concurrency serves queued calls at once', async () => {
  const { pool } = makePool(1);
  pool.replace(handles('a'), true);
  pool.acquire();
  const waiting = queue(pool);
  pool.configure(2, 60_000);
  assert.is(((await waiting.done) as Slot<Conn>).inFlight, 2);
});

test('firstCandidate is the replica the pool tries first: the one used most recently', () => {
  const { pool } = makePool(1);
  assert.is(pool.firstCandidate(), null);
  pool.replace(handles('a', 'b'), true);
  assert.is(pool.firstCandidate()?.id, 'a');
  pool.acquire();
  const b = pool.acquire()!;
  assert.is(pool.firstCandidate()?.id, 'b');
  pool.release(b);
  assert.is(pool.firstCandidate()?.id, 'b');
});

test.run();
