// One interface for every place models run; a Target (src/target/) bundles one with the rest.
import type { Change, Observed } from '../plan/types.ts';
import type { StoredBuild } from '../store/builds.ts';
import type { CallModel, TestResult } from '../apply/test-calls.ts';

export type DeployResult = {
  /** The global id of the deployment made. */
  deploymentId: number;
  /**
   * Present when the backend ran `DeployOptions.gate` against the new replicas before moving
   * traffic. When one failed, the deployment is `failed` and the previous one still serves.
   */
  gate?: { tests: TestResult[]; passed: boolean };
  /** Warnings the model emitted while its replicas loaded it, with advice where the environment is the likely cause. */
  warnings?: string[];
  /** Present when the deployment started as a canary or shadow beside the live one, instead of taking every call. */
  rollout?: StartedRollout;
};

/** How a deployment started its rollout: the canary's first share of calls, or a shadow (copies only). */
export type StartedRollout = { strategy: 'canary'; weight: number } | { strategy: 'shadow' };

export type DeployOptions = {
  /**
   * Runs the model's examples with a function that calls the new deployment's replicas directly.
   * A backend that can, calls it once the replicas are ready and before any route moves to them.
   */
  gate?: (call: CallModel) => Promise<TestResult[]>;
  /** Aborts a deploy that has not switched traffic yet; the previous deployment keeps serving. */
  signal?: AbortSignal;
  /** Who asked for it (`user:NAME`, `ci:…`, `follow:…`; see src/history/actor.ts), recorded with the deployment. */
  actor?: string;
  /** The commit applied, recorded with the deployment. */
  gitCommit?: string | null;
};

/**
 * Thrown by `deploy` when the new deployment's replicas never became ready: the deployment is
 * recorded as failed and the previous one keeps serving. Any other error failed before that.
 */
export class RolloutFailure extends Error {
  override name = 'RolloutFailure';
}

export interface Backend {
  /** The registry name, e.g. `local`. */
  readonly name: string;
  /** What has been applied and, where the backend can see it, what is running. */
  observe(): Promise<Observed>;
  /** Carries out one change of a plan with its (already built) build. */
  deploy(change: Change, build: StoredBuild, options?: DeployOptions): Promise<DeployResult>;
  /** Stops every replica of a model, keeping its history. */
  stop(model: string): Promise<void>;
  /** Stops a model that is no longer declared and marks it deleted; its builds and history stay. */
  delete(model: string): Promise<void>;
}
