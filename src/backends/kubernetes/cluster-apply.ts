// `slipway apply --target <kubernetes target>` in one call, for the CLI and CI to wire: under the
// apply lock, observe the cluster, plan, and apply with the shared applyPlan. The cluster is the
// record (a CI runner keeps no `.slipway/`): builds are numbered and recorded in its build ledger.
import { applyPlan, type ApplyReport } from '../../apply/apply.ts';
import type { CallModel } from '../../apply/test-calls.ts';
import type { Builder } from '../../build/builder.ts';
import { plan } from '../../plan/plan.ts';
import { planFingerprint, STALE_PLAN_MESSAGE } from '../../plan/fingerprint.ts';
import type { Plan } from '../../plan/types.ts';
import type { BuildKeys } from '../../source/types.ts';
import type { Spec } from '../../spec/types.ts';
import type { KubernetesBackend } from './kubernetes-backend.ts';
import { toObserved } from './observe.ts';
import { clusterBuildLedger } from './cluster-build-ledger.ts';
import { candidateBuildReason } from './image.ts';
import { provenanceProblem, trustedDigests, type FoundImage } from './image-provenance.ts';
import type { LedgerBuild } from '../../apply/build-ledger.ts';

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
  /** The fingerprint of the plan someone confirmed earlier; any other plan is refused. */
  fingerprint?: string;
};

export type ClusterApplyResult = {
  plan: Plan;
  /** The fingerprint of `plan` (plan/fingerprint.ts). */
  fingerprint: string;
  /** Null when there was nothing to do, the apply was cancelled, or it was refused. */
  report: ApplyReport | null;
  /** Why nothing was applied although the plan had changes: a stale confirmed plan. */
  refused?: string;
};

/** Plans against the cluster and applies; `report` is null when there was nothing to do or it was cancelled. */
export async function applyToCluster(input: ClusterApplyInput): Promise<ClusterApplyResult> {
  const { backend } = input;
  return backend.withLock(async () => {
    const state = await backend.readState();
    const observed = toObserved(state, backend.registry);
    const p = plan(input.spec, input.keys, observed);
    const fingerprint = planFingerprint(p, observed);
    if (input.fingerprint !== undefined && fingerprint !== input.fingerprint) {
      return { plan: p, fingerprint, report: null, refused: STALE_PLAN_MESSAGE };
    }
    if (!p.changes.some((c) => c.action !== 'noop')) return { plan: p, fingerprint, report: null };
    if (input.confirm && !(await input.confirm(p))) return { plan: p, fingerprint, report: null };
    const ledger = clusterBuildLedger(backend.api);
    // A pull-request check's image is found by key in the ledger, but it was pushed to the
    // candidates repository by code that never passed review: the apply builds it again.
    const notDeployable = (build: LedgerBuild) => candidateBuildReason(build, backend.registry);
    // An image already under the key's tag is deployed only with a trusted build's digest.
    const verifyExisting = async (model: string, key: string, image: FoundImage) =>
      provenanceProblem(image, model, key, trustedDigests(await ledger.list(model), key, backend.registry));
    const report = await applyPlan(p, { root: input.root, ledger, builder: input.builder, backend, keys: input.keys, gitCommit: input.gitCommit, log: input.log, callModel: input.callModel, notDeployable, verifyExisting });
    return { plan: p, fingerprint, report };
  });
}
