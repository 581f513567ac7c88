import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDuration } from '../../src/keys/duration.ts';

test('durations in every unit', () => {
  assert.equal(parseDuration('30m'), { ok: true, ms: 30 * 60_000 });
  assert.equal(parseDuration('12h'), { ok: true, ms: 12 * 3_600_000 });
  assert.equal(parseDuration('90d'), { ok: true, ms: 90 * 86_400_000 });
  assert.equal(parseDuration('2w'), { ok: true, ms: 14 * 86_400_000 });
  assert.equal(parseDuration('1y'), { ok: true, ms: 365 * 86_400_000 });
  assert.equal(parseDuration('45s'), { ok: true, ms: 45_000 });
});

test('bad durations say what was wrong and what to write', () => {
  for (const text of ['', '90', 'd', '1.5d', '-1d', '3 months', '10x']) {
    const parsed = parseDuration(text);
    assert.is(parsed.ok, false, text);
    if (!parsed.ok) {
      assert.match(parsed.error, `"${text}" is not a duration`);
      assert.match(parsed.error, 'like 30m, 12h, 90d or 1y');
    }
  }
  const zero = parseDuration('0d');
  assert.equal(zero, { ok: false, error: '"0d" is zero: give a duration longer than zero, like 90d' });
  assert.is(parseDuration('99999999999999y').ok, false);
});

test.run();
