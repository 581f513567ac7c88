// Base images pinned by digest in the build key: each tag looked up once, a pinned image left as
// declared, a moved tag a new key with its reason, a failed lookup an error saying what to do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withBaseDigests, type DigestLookup } from '../../src/build/base-digests.ts';
import { keyReasons } from '../../src/plan/key-reasons.ts';
import { reasonText } from '../../src/plan/reason.ts';
import { inputs, keys } from '../plan/factories.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const slim = 'docker.io/library/python:3.11-slim';
const pinnedImage = `registry.test/base@${digest('f')}`;

function lookup(table: Record<string, string>, asked: string[] = []): DigestLookup {
  return async (image) => {
    asked.push(image);
    return image in table ? { ok: true, digest: table[image] } : { ok: false, message: 'manifest unknown' };
  };
}

test('each tag is looked up once; its digest joins the key; a pinned image is left alone', async () => {
  const declared = keys(
    ['a', inputs('a', undefined, { defaultBaseImage: slim })],
    ['b', inputs('b', undefined, { defaultBaseImage: slim })],
    ['c', inputs('c', undefined, { baseImage: pinnedImage })],
  );
  const asked: string[] = [];
  const pinned = await withBaseDigests(declared, lookup({ [slim]: digest('1') }, asked));
  assert.ok(pinned.ok);
  if (!pinned.ok) return;
  assert.equal(asked, [slim]);
  assert.is(pinned.keys.a.inputs.baseDigest, digest('1'));
  assert.is.not(pinned.keys.a.key, declared.a.key);
  assert.equal(pinned.keys.c, declared.c);

  // The tag moved: another key, and the plan says why.
  const moved = await withBaseDigests(declared, lookup({ [slim]: digest('2') }));
  assert.ok(moved.ok);
  if (!moved.ok) return;
  assert.is.not(moved.keys.a.key, pinned.keys.a.key);
  assert.equal(keyReasons(pinned.keys.a.inputs, moved.keys.a.inputs, 'models/a').map(reasonText), [`base image ${slim} moved: sha256:111111111111… → sha256:222222222222…`]);
  assert.equal(keyReasons(declared.a.inputs, pinned.keys.a.inputs, 'models/a').map(reasonText), [`base image ${slim} now pinned by digest (sha256:111111111111…)`]);
});

test('a base image whose digest cannot be told is an error naming it and the way out', async () => {
  const failed = await withBaseDigests(keys(['a', inputs('a', undefined, { defaultBaseImage: slim })]), lookup({}));
  assert.equal(failed, { ok: false, message: `cannot tell the digest of base image ${slim}: manifest unknown; make it reachable, or pin it in models.yaml (build.baseImage: ${slim}@sha256:…)` });
});

test.run();
