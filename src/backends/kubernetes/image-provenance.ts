// Whether an image found in the target's repository under a build key's tag may be deployed
// without building it. The tag alone proves nothing: anyone who can push there (a pull-request job
// given too broad credentials, another tool) can put any image under it. An image is taken only
// when its labels name the model and key, and its digest is one a trusted build recorded: a
// succeeded build record of this target's applies (never a pull request's candidate) with the key.
import type { LedgerBuild } from '../../apply/build-ledger.ts';
import { isCandidateImage } from './image.ts';

export type FoundImage = { digest: string; labels: Record<string, string> };

/** Digests of `builds` an apply of a target pushing to `registry` recorded for `key`. */
export function trustedDigests(builds: LedgerBuild[], key: string, registry: string): string[] {
  return builds
    .filter((b) => b.key === key && b.status === 'succeeded' && b.digest !== null && !isCandidateImage(b.artifact, registry))
    .map((b) => b.digest!);
}

/** Why `image` may not be used as `model`'s build with `key` (null: it may). Pure. */
export function provenanceProblem(image: FoundImage, model: string, key: string, trusted: readonly string[]): string | null {
  const labelled = image.labels['dev.slipway.model'];
  if (labelled !== model) return `its label dev.slipway.model is ${labelled === undefined ? 'missing' : `"${labelled}"`}, not "${model}"`;
  const keyed = image.labels['dev.slipway.build-key'];
  if (keyed !== key) return `its label dev.slipway.build-key is ${keyed === undefined ? 'missing' : `"${keyed.slice(0, 12)}…"`}, not this key`;
  if (!trusted.includes(image.digest)) return 'no build this target applied recorded its digest (it may have been pushed by someone else)';
  return null;
}
