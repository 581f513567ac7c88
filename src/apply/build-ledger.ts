// The build ledger: where a target records its builds, numbered per model from 1 and found again
// by build key. Apply and the pull-request check number and reuse builds through it, whatever the
// target: the local store (`sqliteBuildLedger`) or the cluster's build records
// (backends/kubernetes/cluster-build-ledger.ts). A build is recorded when it is built, so a build a
// pull request made is found by the plan and the apply after the merge.
import type { KeyInputs } from '../source/types.ts';
import { finishBuild, getBuild, insertBuild, listBuilds, type StoredBuild } from '../store/builds.ts';
import type { Store } from '../store/database.ts';

/** A build as the ledger records it (the store's shape, which backends deploy from). */
export type LedgerBuild = StoredBuild;

export type BuildReservation = { key: string; inputs: KeyInputs; gitCommit: string | null };

export type BuildEnd =
  | { status: 'succeeded'; artifact: string; logPath: string | null; digest: string | null }
  | { status: 'failed'; logPath: string | null; errorTail: string };

export interface BuildLedger {
  /** Build `number` of `model`, or null. */
  get(model: string, number: number): Promise<LedgerBuild | null>;
  /** Records a build as `building` under the model's next number, which no one else gets. */
  reserve(model: string, build: BuildReservation): Promise<LedgerBuild>;
  /** Records how build `number` ended; returns the build as recorded now. */
  finish(model: string, number: number, end: BuildEnd): Promise<LedgerBuild>;
  /** Every build of `model`, any status, by number. */
  list(model: string): Promise<LedgerBuild[]>;
}

/** The ledger of the local store: numbers taken in a store transaction. */
export function sqliteBuildLedger(store: Store): BuildLedger {
  return {
    get: async (model, number) => getBuild(store, model, number),
    reserve: async (model, build) => insertBuild(store, { model, key: build.key, inputs: build.inputs, gitCommit: build.gitCommit }),
    finish: async (model, number, end) => finishBuild(store, model, number, end),
    list: async (model) => listBuilds(store, model),
  };
}
