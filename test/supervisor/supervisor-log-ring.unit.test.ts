import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogRing } from '../../src/supervisor/log-ring.ts';

test('an empty ring holds nothing', () => {
  const ring = new LogRing<number>(3);
  assert.is(ring.size, 0);
  assert.equal(ring.newest(), []);
});

test('items come back newest first', () => {
  const ring = new LogRing<number>(5);
  [1, 2, 3].forEach((n) => ring.push(n));
  assert.equal(ring.newest(), [3, 2, 1]);
  assert.is(ring.size, 3);
});

test('a full ring drops the oldest items', () => {
  const ring = new LogRing<number>(3);
  [1, 2, 3, 4, 5, 6, 7].forEach((n) => ring.push(n));
  assert.equal(ring.newest(), [7, 6, 5]);
  assert.is(ring.size, 3);
});

test('limit takes the newest items only', () => {
  const ring = new LogRing<string>(4);
  ['a', 'b', 'c', 'd', 'e'].forEach((s) => ring.push(s));
  assert.equal(ring.newest(2), ['e', 'd']);
  assert.equal(ring.newest(0), []);
  assert.equal(ring.newest(10), ['e', 'd', 'c', 'b']);
});

test('a ring of one keeps the last item', () => {
  const ring = new LogRing<number>(1);
  ring.push(1);
  ring.push(2);
  assert.equal(ring.newest(), [2]);
});

test('a capacity below one is refused', () => {
  assert.throws(() => new LogRing(0), /positive integer/);
  assert.throws(() => new LogRing(1.5), /positive integer/);
});

test.run();
