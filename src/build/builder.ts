// One interface for every way of turning a build key into an artifact: a folder with a virtualenv
// for the local backend, an OCI image for Kubernetes. A builder only builds; the caller records
// builds in the store and decides what to deploy.
import type { BuildKey } from '../source/types.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { BuildSandbox } from '../sandbox/build-steps.ts';

export type BuildRequest = {
  /** Repository root, absolute. Files are read from its working tree. */
  root: string;
  model: ModelSpec;
  key: BuildKey;
  /** The build number the caller reserved for this model (from 1). */
  number: number;
  /** Receives every line of the build log as it is written, timestamp included. */
  log?: (line: string) => void;
  /**
   * The model's environment (global < project < model, secrets resolved) for its build steps, as
   * CML gives build scripts. Only builders that keep it out of the artifact use it (snapshot).
   */
  env?: Record<string, string>;
  /** Stops the build (its running step killed) when it aborts; the outcome then says it was cancelled. */
  signal?: AbortSignal;
  /**
   * Set when building a candidate (a pull request, `slipway test`), never for an apply: the build's
   * steps run in this sandbox and its dependencies go in a folder production never reuses.
   */
  sandbox?: BuildSandbox;
  /**
   * For image builders that skip a build whose tag the registry already has: why that image may
   * not be used (null: it may), from its labels and digest. A refused image is built and pushed
   * again over the tag. Absent: any image under the tag is used.
   */
  verifyExisting?: (image: { digest: string; labels: Record<string, string> }) => Promise<string | null>;
};

export type BuildOutcome =
  | {
      ok: true;
      /** The build folder (snapshot) or image reference (buildah). */
      artifact: string;
      logPath: string;
      /** Image digest, for builders that produce images. */
      digest?: string;
    }
  | {
      ok: false;
      logPath: string;
      /** The last lines of the build log. */
      errorTail: string;
      /** What failed, naming the step: `build script build.sh exited with 2`. */
      message: string;
    };

export interface Builder {
  /** The registry name: `snapshot`, `buildah`. */
  name: string;
  /** Builds `req.key`; a failure is an outcome, never a throw. */
  build(req: BuildRequest): Promise<BuildOutcome>;
}

