import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitBlobId } from '../../src/build/git-blob.ts';

test('blob ids match git hash-object', () => {
  // Values printed by `git hash-object` for an empty file and for "hello\n".
  assert.is(gitBlobId(new Uint8Array()), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  assert.is(gitBlobId(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
});

test.run();
