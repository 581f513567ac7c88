// Base images pinned by digest, and the digest in the build key. A tag such as
// `python:3.11-slim` moves under a model: two builds of the same files would run on different
// bases, and a cache or a reused build would hide it. Before planning for an image target, each
// model's base image is resolved to the digest it has now (the machine's image store first, as
// buildah's `--pull=missing` uses a local copy first, else the registry); the digest joins the
// key's inputs, so a moved tag plans a rebuild with its reason, and the builder builds
// `FROM <image>@<digest>`. An image declared with `@sha256:…` is pinned already.
import { execFile } from 'node:child_process';
import { keyOf } from '../source/key-of.ts';
import type { BuildKeys, KeyInputs } from '../source/types.ts';
import { stepLimitSeconds } from './step-limits.ts';

/** The digest `image` has now, or why it cannot be told. */
export type DigestLookup = (image: string) => Promise<{ ok: true; digest: string } | { ok: false; message: string }>;

/** The base image a key's builds start from (null: none known, as for R without `baseImage`). */
export function baseImageOf(inputs: KeyInputs): string | null {
  return inputs.baseImage ?? inputs.defaultBaseImage;
}

/** True when `image` names its digest (`name@sha256:…`): nothing to resolve. */
export function isPinned(image: string): boolean {
  return /@sha256:[0-9a-f]{64}$/.test(image);
}

/**
 * `keys` with `baseDigest` added to every key whose base image is a tag, each image looked up
 * once. A failed lookup is an error naming the image and what to do.
 */
export async function withBaseDigests(keys: BuildKeys, lookup: DigestLookup): Promise<{ ok: true; keys: BuildKeys } | { ok: false; message: string }> {
  const images = new Set<string>();
  for (const { inputs } of Object.values(keys)) {
    const image = baseImageOf(inputs);
    if (image !== null && !isPinned(image)) images.add(image);
  }
  const digests = new Map<string, string>();
  for (const image of images) {
    const found = await lookup(image);
    if (!found.ok) return { ok: false, message: `cannot tell the digest of base image ${image}: ${found.message}; make it reachable, or pin it in models.yaml (build.baseImage: ${image.split('@')[0]}@sha256:…)` };
    digests.set(image, found.digest);
  }
  const next: BuildKeys = {};
  for (const [model, key] of Object.entries(keys)) {
    const image = baseImageOf(key.inputs);
    const digest = image === null ? undefined : digests.get(image);
    const inputs = digest === undefined ? key.inputs : { ...key.inputs, baseDigest: digest };
    Object.defineProperty(next, model, { value: digest === undefined ? key : { ...key, key: keyOf(inputs), inputs }, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, keys: next };
}

/**
 * Looks digests up with skopeo: `containers-storage:` (this machine's copy, which a build with
 * `--pull=missing` uses), then `docker://` with `tlsVerify`.
 */
export function skopeoDigestLookup(opts: { tlsVerify: (image: string) => boolean; skopeo?: string; authArgs?: string[] }): DigestLookup {
  const inspect = (reference: string, args: string[]) =>
    new Promise<{ ok: true; digest: string } | { ok: false; message: string }>((resolve) => {
      const timeout = stepLimitSeconds('skopeo') * 1000;
      execFile(opts.skopeo ?? 'skopeo', ['inspect', '--no-tags', ...args, reference], { encoding: 'utf8', timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve({ ok: false, message: 'skopeo is not installed (apt-get install skopeo)' });
        if (error !== null) return resolve({ ok: false, message: (`${stderr}`.trim().split('\n').pop() ?? error.message).replace(/^time=\S+ level=\S+ msg=/, '') });
        const digest = (JSON.parse(stdout) as { Digest?: string }).Digest;
        resolve(typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? { ok: true, digest } : { ok: false, message: 'skopeo inspect gave no digest' });
      });
    });
  return async (image) => {
    const local = await inspect(`containers-storage:${image}`, []);
    if (local.ok || local.message.startsWith('skopeo is not installed')) return local;
    return inspect(`docker://${image}`, [`--tls-verify=${opts.tlsVerify(image)}`, ...(opts.authArgs ?? [])]);
  };
}
