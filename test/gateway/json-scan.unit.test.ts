// The gateway's JSON scan against JSON.parse: the same verdict on every input (hand-picked edge
// cases and many random mutations of valid documents), the depth limit, and the envelope's spans.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_JSON_DEPTH, scanJson } from '../../src/gateway/json-scan.ts';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const cases = [
  '{}', '[]', '""', '0', '-0', '1.5e+10', '-1E-2', 'true', 'false', 'null', ' \t\r\n{ "a" : [ 1 , 2 ] } \n',
  '{"a":"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"}', '9223372036854775809', '1e400', '"\\ud800"',
  '', ' ', '{', '}', '[1,]', '{"a":1,}', '{"a"}', '{"a":}', '{a:1}', "{'a':1}", '01', '1.', '.5', '-', '+1', '1e', '1e+',
  'tru', 'nul', 'truex', 'NaN', 'Infinity', '"\\x"', '"\\u12"', '"\\u12G4"', '"a\nb"', '"a\tb"', '"abc', '[1 2]', '{"a":1 "b":2}',
  '[]]', '{}{}', '1 2', '"\u007f"', '\ufeff{}', '[[[]]]', '[{"a":[{"b":null}]}]',
];

test('agrees with JSON.parse on edge cases', () => {
  for (const text of cases) {
    const scan = scanJson(Buffer.from(text), false);
    assert.is(scan.ok, parses(text), `verdict on ${JSON.stringify(text)}`);
  }
});

test('agrees with JSON.parse on random mutations of valid documents', () => {
  // A fixed seed: a failure is reproducible.
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = '{}[]",:\\ 0123456789-+.eEtrufalsn\n\tu';
  const seeds = cases.filter(parses).concat(['{"accessKey":"k","request":{"x":[1,2.5,-3e2,"s",true,false,null]}}']);
  for (let round = 0; round < 20000; round++) {
    const chars = [...(seeds[random(seeds.length)] as string)];
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(chars.length + 1);
      const kind = random(3);
      if (kind === 0) chars.splice(at, 1);
      else if (kind === 1) chars.splice(at, 0, alphabet[random(alphabet.length)] as string);
      else chars[at] = alphabet[random(alphabet.length)] as string;
    }
    const text = chars.join('');
    assert.is(scanJson(Buffer.from(text), true).ok, parses(text), `verdict on ${JSON.stringify(text)}`);
  }
});

test('refuses nesting past the limit as too deep, 100,000 levels included', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  assert.ok(scanJson(Buffer.from(nested(MAX_JSON_DEPTH)), false).ok);
  for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
    const scan = scanJson(Buffer.from(nested(depth)), false);
    assert.is(scan.ok ? null : scan.code, 'request.too_deep');
  }
  const objects = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  const scan = scanJson(Buffer.from(objects), true);
  assert.is(scan.ok ? null : scan.code, 'request.too_deep');
});

test('finds the envelope members as written, the last of duplicates, escaped keys too', () => {
  const text = '{"accessKey": "abc", "other": {"request": 1}, "request" : {"n": 9223372036854775809, "f": 1e400, "s": "\\u00e9"} }';
  const body = Buffer.from(text);
  const scan = scanJson(body, true);
  if (!scan.ok) throw new Error(scan.message);
  assert.is(body.toString('utf8', scan.accessKey!.start, scan.accessKey!.end), '"abc"');
  assert.is(body.toString('utf8', scan.request!.start, scan.request!.end), '{"n": 9223372036854775809, "f": 1e400, "s": "\\u00e9"}');
  const dup = Buffer.from('{"request": 1, "\\u0072equest": [2], "acc\\u0065ssKey": "k"}');
  const again = scanJson(dup, true);
  if (!again.ok) throw new Error(again.message);
  assert.is(dup.toString('utf8', again.request!.start, again.request!.end), '[2]');
  assert.is(dup.toString('utf8', again.accessKey!.start, again.accessKey!.end), '"k"');
  const notObject = scanJson(Buffer.from('[{"request": 1}]'), true);
  assert.equal(notObject, { ok: true, accessKey: null, request: null });
});

test('says where the JSON breaks', () => {
  const scan = scanJson(Buffer.from('{"a": tru}'), false);
  assert.is(scan.ok, false);
  if (!scan.ok) assert.match(scan.message, /position 6/);
});

test.run();
