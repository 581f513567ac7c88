// The captured calls of a local answer diff come from the real SQLite store, newest first in SQL:
// with more calls stored than the diff's sample, exactly the newest ones are used (ties on `at`
// broken by insertion order), oldest first, and another model's calls never.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffInputs, storeCaptures } from '../../src/diff/paired-calls.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { insertCaptures, recentCaptures, type CapturedCall } from '../../src/store/captures.ts';
import { openStore } from '../../src/store/database.ts';
import { tempDir } from '../store/fixtures.ts';

const call = (model: string, x: number, at: number): CapturedCall => ({
  model, deploymentId: 1, build: 1, at, latencyMs: 1, status: 200, outcome: 'success', request: JSON.stringify({ x }), response: '{"value":{}}',
});

test('the newest N captured calls, read with a limit, feed the diff after the examples', async () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(join(dir, 'state.db'));
  try {
    // 40 calls one ms apart, the last two at the same ms; stored out of order in two batches.
    const calls = Array.from({ length: 40 }, (_, x) => call('scorer', x, 1_000 + Math.min(x, 38)));
    insertCaptures(store, calls.slice(20));
    insertCaptures(store, calls.slice(0, 20));
    insertCaptures(store, [call('other', 999, 5_000)]);
    const xs = (cs: CapturedCall[]) => cs.map((c) => (JSON.parse(c.request) as { x: number }).x);
    assert.equal(xs(recentCaptures(store, 'scorer', 4)), [36, 37, 38, 39]);
    assert.equal(xs(recentCaptures(store, 'scorer', 100)).length, 40);
    assert.equal(recentCaptures(store, 'nobody', 3), []);

    const model = { name: 'scorer', examples: [{ input: { x: -1 } }] } as unknown as ModelSpec;
    const inputs = await diffInputs(storeCaptures(store), dir, model, 6);
    assert.equal(inputs.map((i) => (i.input as { x: number }).x), [-1, 35, 36, 37, 38, 39]);
    assert.equal(inputs[0]!.source, 'example 1');
  } finally {
    store.close();
    cleanup();
  }
});

test.run();
