// `slipway apply --target <kubernetes target>` in one call, for the CLI and CI to wire: under the
// apply lock, observe the cluster, plan, and apply with the shared applyPlan. The cluster is the
// record (a CI runner keeps no `.slipway/`), so applyPlan gets a scratch in-memory store seeded
// with the builds the cluster records, numbered as there.
import { applyPlan, type ApplyReport } from '../../apply/apply.ts';
import type { CallModel } from '../../apply/test-calls.ts';
import type { Builder } from '../../build/builder.ts';
import { plan } from '../../plan/plan.ts';
import type { Plan } from '../../plan/types.ts';
import type { BuildKeys } from '../../source/types.ts';
import type { Spec } from '../../spec/types.ts';
import { finishBuild, insertBuild } from '../../store/builds.ts';
import { openStore, type Store } from '../../store/database.ts';
import type { KubernetesBackend } from './kubernetes-backend.ts';
import { toObserved, type ClusterState } from './observe.ts';

export type ClusterApplyInput = {
  backend: KubernetesBackend;
  spec: Spec;
  keys: BuildKeys;
  root: string;
  /** The image builder (buildah), pushing to the target's registry. */
  builder: Builder;
  gitCommit: string | null;
  log: (line: string) => void;
  callModel?: CallModel;
  /** Sees the plan before anything changes; false cancels. Default: apply. */
  confirm?: (plan: Plan) => Promise<boolean>;
};

/** Plans against the cluster and applies; `report` is null when there was nothing to do or it was cancelled. */
export async function applyToCluster(input: ClusterApplyInput): Promise<{ plan: Plan; report: ApplyReport | null }> {
  const { backend } = input;
  return backend.withLock(async () => {
    const state = await backend.readState();
    const p = plan(input.spec, input.keys, toObserved(state));
    if (!p.changes.some((c) => c.action !== 'noop')) return { plan: p, report: null };
    if (input.confirm && !(await input.confirm(p))) return { plan: p, report: null };
    const store = openStore(':memory:');
    try {
      seedBuilds(store, state);
      const report = await applyPlan(p, { root: input.root, store, builder: input.builder, backend, keys: input.keys, gitCommit: input.gitCommit, log: input.log, callModel: input.callModel });
      return { plan: p, report };
    } finally {
      store.close();
    }
  });
}

/** Copies the cluster's build records into `store` under the same numbers (gaps as failed placeholders). */
export function seedBuilds(store: Store, state: ClusterState): void {
  for (const [model, builds] of state.builds) {
    let next = 1;
    for (const build of builds) {
      for (; next < build.number; next++) {
        insertBuild(store, { model, key: `missing-build-${next}`, inputs: build.inputs });
        finishBuild(store, model, next, { status: 'failed', errorTail: 'not recorded in the cluster' });
      }
      insertBuild(store, { model, key: build.key, inputs: build.inputs, gitCommit: build.gitCommit });
      finishBuild(store, model, build.number, { status: 'succeeded', artifact: build.artifact, digest: build.digest });
      next = build.number + 1;
    }
  }
}
