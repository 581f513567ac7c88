// What an apply needs of the place it applies to, in process: what runs (observe), a lock held
// from observe to the last deploy, the build ledger, the builder and the backend. The local
// daemon (daemon-ports.ts) and a Kubernetes target (kubernetes-target.ts) each provide one, and
// `applyToTarget` is the one composer over them.
import type { ApplyDeps } from '../apply/apply.ts';
import type { CallModel } from '../apply/test-calls.ts';
import type { Backend } from '../backends/backend.ts';
import type { Builder } from '../build/builder.ts';
import type { BuildLedger, LedgerBuild } from '../apply/build-ledger.ts';
import type { Observed } from '../plan/types.ts';

export interface ApplyPorts {
  /** What has been applied and, where the target can see it, what runs. */
  observe(): Promise<Observed>;
  /** Runs `fn` holding the target's apply lock, so no other apply interleaves with it. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Where builds are numbered and recorded. */
  readonly ledger: BuildLedger;
  readonly builder: Builder;
  readonly backend: Backend;
  /** Why a build found in the ledger may not be deployed here (see apply/ensure-build.ts). */
  notDeployable?: (build: LedgerBuild) => string | null;
  /** Checks an image already under a key's tag before it is deployed (see apply/ensure-build.ts). */
  verifyExisting?: ApplyDeps['verifyExisting'];
  /** How the target calls a deployed model for its examples, when the apply does not say. */
  callModel?: CallModel;
}
