// The image a model's pods run: the build's own reference, pinned to its digest when known, so a
// tag moved in the registry never changes what runs.
import type { StoredBuild } from '../../store/builds.ts';
import type { KubernetesTarget } from '../../spec/types.ts';

/**
 * `<repository>@<digest>` when the build has a digest, else `<repository>:<build key>`. The
 * repository is the build's artifact (an image reference from the buildah builder) without its
 * tag or digest, or `<registry>/<model>` when the artifact is not an image reference.
 */
export function imageFor(build: Pick<StoredBuild, 'model' | 'key' | 'artifact' | 'digest'>, registry: string): string {
  const repository = repositoryOf(build.artifact) ?? `${registry.replace(/\/+$/, '')}/${build.model}`;
  return build.digest ? `${repository}@${build.digest}` : `${repository}:${build.key}`;
}

/**
 * Where pull-request checks push their candidate images: `<registry>-candidates` (or
 * `<host>/candidates` for a bare registry host), never the repository applies deploy from. An
 * apply skips a build whose tag exists in its own repository only, so a pull request cannot plant
 * the image production deploys; give pull-request jobs push rights to this repository alone.
 */
export function candidateRegistry(registry: string): string {
  const trimmed = registry.replace(/\/+$/, '');
  return trimmed.includes('/') ? `${trimmed}-candidates` : `${trimmed}/candidates`;
}

/** The repository part of an image reference (`host:5000/a/b:tag@sha256:…` → `host:5000/a/b`), or null. */
function repositoryOf(reference: string | null): string | null {
  if (reference === null || reference.startsWith('/') || !reference.includes('/')) return null;
  const withoutDigest = reference.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash);
  return colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** True when `artifact` is an image a pull-request check pushed for a target pushing to `registry`. */
export function isCandidateImage(artifact: string | null, registry: string): boolean {
  return artifact !== null && artifact.startsWith(`${candidateRegistry(registry)}/`);
}

/** Why `build` may not be deployed to a target pushing to `registry`: its image is a candidate's. */
export function candidateBuildReason(build: Pick<StoredBuild, 'artifact'>, registry: string): string | null {
  return isCandidateImage(build.artifact, registry)
    ? `its image was pushed by a pull-request check to ${candidateRegistry(registry)}, which an apply never deploys from`
    : null;
}

/** The plan's reason (after `build #N `) for building again a key whose build is a candidate's. */
export const CANDIDATE_NOT_REUSABLE = 'was a pull-request candidate, built again for the registry';

/**
 * The registry layer cache of `target`'s builds: applies read and write its `buildCache`; a
 * pull request's check only reads it, so no candidate's layer lands where production builds look.
 */
export function buildCacheOf(target: Pick<KubernetesTarget, 'buildCache'>, use: 'apply' | 'candidate'): { from: string; to: string | null } | null {
  const cache = target.buildCache ?? null;
  if (cache === null) return null;
  return { from: cache, to: use === 'apply' ? cache : null };
}
