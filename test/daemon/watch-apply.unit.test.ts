// The watcher's applier with plain values: one apply at a time, changes seen during an apply make
// exactly one more, and a batch that leaves the fingerprint as it was applies nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWatchApplier } from '../../src/daemon/watch-apply.ts';

function harness(initial: string) {
  let fingerprint: string | null = initial;
  const applied: Array<string | null> = [];
  const log: string[] = [];
  let release: (() => void) | null = null;
  let holding = false;
  const applier = createWatchApplier({
    fingerprint: async () => fingerprint,
    apply: async () => {
      applied.push(fingerprint);
      if (holding) await new Promise<void>((resolve) => (release = resolve));
    },
    log: (line) => log.push(line),
  });
  return {
    applier,
    applied,
    log,
    set: (value: string | null) => (fingerprint = value),
    hold: () => (holding = true),
    letGo: () => {
      holding = false;
      release?.();
    },
  };
}

test('a batch that changes nothing a plan reads applies nothing, and says so', async () => {
  const h = harness('a');
  h.applier.applied('a');
  h.applier.changed(['README.md']);
  await h.applier.idle();
  assert.equal(h.applied, []);
  assert.match(h.log.join('\n'), /README\.md changed; no build key and nothing in the models file changed/);
  h.set('b');
  h.applier.changed(['m/predict.py']);
  await h.applier.idle();
  assert.equal(h.applied, ['b']);
});

test('batches during an apply make one more apply after it, not one each', async () => {
  const h = harness('a');
  h.hold();
  h.set('b');
  h.applier.changed(['m/one.py']);
  await new Promise((resolve) => setImmediate(resolve));
  h.set('c');
  h.applier.changed(['m/two.py']);
  h.applier.changed(['m/three.py']);
  h.letGo();
  await h.applier.idle();
  await h.applier.idle();
  assert.equal(h.applied, ['b', 'c']);
  assert.match(h.log.at(-1)!, /2 files \(m\/two\.py, m\/three\.py\) changed: applying/);
});

test('an apply that throws is logged and the next batch still applies', async () => {
  let calls = 0;
  const log: string[] = [];
  let n = 0;
  const applier = createWatchApplier({
    fingerprint: async () => String(n++),
    apply: async () => {
      calls++;
      if (calls === 1) throw new Error('daemon went away');
    },
    log: (line) => log.push(line),
  });
  applier.changed(['a.py']);
  await applier.idle();
  applier.changed(['b.py']);
  await applier.idle();
  assert.is(calls, 2);
  assert.ok(log.includes('apply failed: daemon went away'));
});

test('a batch that changes the tree during an apply supersedes it; one that changes nothing does not', async () => {
  let fingerprint = 'a';
  let release = (): void => {};
  let superseded = 0;
  const applier = createWatchApplier({
    fingerprint: async () => fingerprint,
    apply: () => new Promise<void>((resolve) => (release = resolve)),
    supersede: () => {
      superseded++;
      release();
    },
    log: () => {},
  });
  fingerprint = 'b';
  applier.changed(['m/build.sh']);
  await new Promise((resolve) => setImmediate(resolve));
  // The tree goes back to what it was before b: that is a change from what is being applied.
  applier.changed(['README.md']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(superseded, 0, 'the same tree as the running apply: nothing to supersede');
  fingerprint = 'a';
  applier.changed(['m/build.sh']);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(superseded, 1);
  release();
  await applier.idle();
});

test.run();
