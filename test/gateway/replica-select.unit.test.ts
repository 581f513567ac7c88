import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickReplica } from '../../src/gateway/replica-select.ts';

const loads = (...inFlight: number[]) => inFlight.map((n) => ({ inFlight: n }));

test('no replicas: -1', () => {
  assert.is(pickReplica([], 1), -1);
  assert.is(pickReplica([], 4, 3), -1);
});

test('every replica at concurrency: -1', () => {
  assert.is(pickReplica(loads(1, 1, 1), 1), -1);
  assert.is(pickReplica(loads(2, 2), 2, 1), -1);
  // a replica above the limit (concurrency lowered by a redeploy) is full too
  assert.is(pickReplica(loads(3, 2), 2), -1);
});

test('least in-flight wins wherever the scan starts', () => {
  assert.is(pickReplica(loads(2, 0, 1), 3, 0), 1);
  assert.is(pickReplica(loads(2, 0, 1), 3, 2), 1);
  assert.is(pickReplica(loads(1, 2, 1, 0), 3, 1), 3);
});

test('only replicas under concurrency are candidates', () => {
  assert.is(pickReplica(loads(1, 1, 0), 1), 2);
  assert.is(pickReplica(loads(2, 1, 2), 2, 0), 1);
});

test('ties go to the first from start, wrapping around', () => {
  assert.is(pickReplica(loads(0, 0, 0), 1, 0), 0);
  assert.is(pickReplica(loads(0, 0, 0), 1, 1), 1);
  assert.is(pickReplica(loads(0, 0, 0), 1, 2), 2);
  assert.is(pickReplica(loads(1, 1, 1), 2, 2), 2);
  assert.is(pickReplica(loads(1, 0, 1, 0), 2, 2), 3);
  assert.is(pickReplica(loads(0, 1, 1, 1), 2, 3), 0);
});

test('start past the end wraps (a cursor kept after the set shrank)', () => {
  assert.is(pickReplica(loads(0, 0), 1, 2), 0);
  assert.is(pickReplica(loads(0, 0), 1, 5), 1);
  assert.is(pickReplica(loads(0, 0), 1, -1), 1);
});

test('advancing the start by one past each pick spreads idle calls round-robin', () => {
  const state = loads(0, 0, 0);
  let cursor = 0;
  const picks: number[] = [];
  for (let i = 0; i < 6; i++) {
    const at = pickReplica(state, 1, cursor);
    picks.push(at);
    cursor = at + 1;
  }
  assert.equal(picks, [0, 1, 2, 0, 1, 2]);
});

test.run();
