import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builders, createBuilder } from '../../src/build/registry.ts';

test('builders are picked by name', () => {
  assert.equal(Object.keys(builders), ['snapshot', 'buildah']);
  assert.is(createBuilder('snapshot', { stateDir: '/tmp/unused' }).name, 'snapshot');
  assert.throws(() => createBuilder('docker', { stateDir: '/tmp/unused' }), /unknown builder "docker"; expected one of: snapshot, buildah/);
});

test.run();
