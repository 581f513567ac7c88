import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuildahBuilder } from '../../src/build/buildah-builder.ts';
import { imageLabels, publicSourceUrl } from '../../src/build/image-labels.ts';
import { defaultTlsVerify, imageRef, parseRegistry } from '../../src/build/image-ref.ts';

test('registry settings are host[:port][/prefix]', () => {
  assert.equal(parseRegistry('registry.example.com/ml/'), { ok: true, registry: 'registry.example.com/ml' });
  assert.equal(parseRegistry('127.0.0.1:5000'), { ok: true, registry: '127.0.0.1:5000' });
  assert.equal(parseRegistry('[::1]:5000/a/b'), { ok: true, registry: '[::1]:5000/a/b' });
  const scheme = parseRegistry('https://registry.example.com/ml');
  assert.ok(!scheme.ok && /has a scheme; give host:port\/prefix without it, e\.g\. registry\.example\.com\/ml/.test(scheme.message));
  assert.ok(!parseRegistry('').ok);
  assert.ok(!parseRegistry('registry.example.com/ML').ok, 'repository paths are lowercase');
  assert.ok(!parseRegistry('host name/x').ok);
});

test('images are tagged with the build key', () => {
  assert.is(imageRef('127.0.0.1:5000/slipway', 'adder', 'ab'.repeat(32)), `127.0.0.1:5000/slipway/adder:${'ab'.repeat(32)}`);
});

test('TLS is verified except for loopback registries', () => {
  assert.is(defaultTlsVerify('127.0.0.1:5000/x/y:1'), false);
  assert.is(defaultTlsVerify('localhost:5000/x'), false);
  assert.is(defaultTlsVerify('[::1]:5000/x'), false);
  assert.is(defaultTlsVerify('registry.example.com/x:1'), true);
  assert.is(defaultTlsVerify('127.example.com/x'), true);
});

test('labels carry provenance and the build; remote credentials never reach them', () => {
  assert.equal(
    imageLabels({ model: 'adder', number: 3, key: 'k', commit: 'c0ffee', source: 'https://example.com/r.git', created: '2024-05-01T00:00:00.000Z' }),
    {
      'org.opencontainers.image.revision': 'c0ffee',
      'org.opencontainers.image.source': 'https://example.com/r.git',
      'org.opencontainers.image.created': '2024-05-01T00:00:00.000Z',
      'org.opencontainers.image.title': 'adder',
      'dev.slipway.model': 'adder',
      'dev.slipway.build-number': '3',
      'dev.slipway.build-key': 'k',
    },
  );
  assert.not.ok('org.opencontainers.image.revision' in imageLabels({ model: 'a', number: 1, key: 'k', commit: null, source: null, created: 'x' }));
  assert.is(publicSourceUrl('https://x-access-token:ghs_abc@github.com/o/r.git\n'), 'https://github.com/o/r.git');
  assert.is(publicSourceUrl('ssh://git@example.com/o/r.git'), 'ssh://example.com/o/r.git');
  assert.is(publicSourceUrl('git@github.com:o/r.git'), 'git@github.com:o/r.git');
  assert.is(publicSourceUrl(''), null);
});

test('the buildah builder is registered and needs a registry', () => {
  assert.is(createBuildahBuilder({ stateDir: '/tmp/unused', registry: '127.0.0.1:5000' }).name, 'buildah');
  assert.throws(() => createBuildahBuilder({ stateDir: '/tmp/unused', registry: '' }), /the buildah builder needs a registry/);
  assert.throws(() => createBuildahBuilder({ stateDir: '/tmp/unused', registry: 'docker://x' }), /has a scheme/);
});

test.run();
