import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bearerToken, callHeaders } from '../../src/gateway/request-body.ts';

test('callHeaders finds Content-Length and Authorization in any case', () => {
  assert.equal(callHeaders(['Host', 'x', 'Content-Length', '42', 'AUTHORIZATION', 'Bearer k']), {
    contentLength: 42, authorization: 'Bearer k',
  });
  assert.equal(callHeaders(['content-length', '0', 'authorization', 'Basic abc']), {
    contentLength: 0, authorization: 'Basic abc',
  });
});

test('callHeaders without them: -1 and null', () => {
  assert.equal(callHeaders(['Transfer-Encoding', 'chunked', 'X-Authorization', 'no']), {
    contentLength: -1, authorization: null,
  });
  assert.equal(callHeaders([]), { contentLength: -1, authorization: null });
});

test('bearerToken reads Bearer credentials, any scheme case, trimmed', () => {
  assert.is(bearerToken('Bearer abc.def'), 'abc.def');
  assert.is(bearerToken('bearer   abc  '), 'abc');
  assert.is(bearerToken('BEARER abc'), 'abc');
});

test('bearerToken: no header or an empty one is null, another scheme is undefined', () => {
  assert.is(bearerToken(null), null);
  assert.is(bearerToken(''), null);
  assert.is(bearerToken('Bearer '), null);
  assert.is(bearerToken('Basic dXNlcjpwYXNz'), undefined);
  assert.is(bearerToken('abc'), undefined);
  assert.is(bearerToken('Bearerabc'), undefined);
});

test.run();
