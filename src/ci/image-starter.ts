// Builds as podman containers of their images, for the pull-request check on a cluster and
// `slipway diff --target`: the build's artifact is the pushed image reference. The image is pulled
// first when it is not here, so that an image this machine cannot pull (the production registry
// not readable from a PR job) is told apart from one that does not start: `ImageUnavailable`.
import { ensureImage, startImageReplica } from '../build/podman-test-run.ts';
import type { RegistryCredentials } from '../build/registry-auth.ts';
import type { CandidateStarter } from './candidate-tests.ts';

/** An image that cannot be pulled here: says nothing about the model, everything about access. */
export class ImageUnavailable extends Error {
  override name = 'ImageUnavailable';
  readonly image: string;
  readonly reason: string;
  constructor(image: string, reason: string) {
    super(`cannot pull ${image}: ${reason}`);
    this.image = image;
    this.reason = reason;
  }
}

/** The repository an image is pulled from (`host:5000/a/b:tag@sha256:…` → `host:5000/a/b`): what read access is given to. */
export function repositoryOfImage(image: string): string {
  return image.split('@')[0]!.replace(/:[^/:]*$/, '');
}

/** Candidates as containers of their images (pulled when missing; `ImageUnavailable` when that fails). */
export function imageStarter(tlsVerify: boolean | undefined, log: (line: string) => void, credentials: RegistryCredentials | null = null): CandidateStarter {
  return async (model, build, opts) => {
    if (!build.artifact) throw new Error(`build #${build.number} of ${model.name} has no image; rebuild it`);
    const pulled = await ensureImage(build.artifact, { tlsVerify, log, credentials });
    if (!pulled.ok) throw new ImageUnavailable(build.artifact, pulled.reason);
    const started = await startImageReplica(build.artifact, {
      env: opts.env,
      model: model.name,
      concurrency: model.serving.concurrency,
      // No network unless the model asks and the pull request is not a fork, as for local candidates.
      network: opts.policy.network,
      tlsVerify,
      log,
    });
    if (!started.ok) throw new Error(`${started.message}\n${started.logs.split('\n').slice(-20).join('\n')}`);
    return { call: started.replica.call, stop: () => started.replica.stop() };
  };
}
