// The one composer of an apply, for the CLI, the daemon and CI alike: under the target's lock,
// observe what runs, plan, refuse a plan other than the one confirmed, ask for confirmation, and
// carry the plan out with the shared applyPlan over the target's ports.
import { applyPlan, type ApplyDeps, type ApplyReport } from '../apply/apply.ts';
import { plan } from '../plan/plan.ts';
import { planFingerprint, STALE_PLAN_MESSAGE } from '../plan/fingerprint.ts';
import type { Plan } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { Spec } from '../spec/types.ts';
import type { ApplyPorts } from './apply-ports.ts';

export type ApplyToTargetOptions = Pick<ApplyDeps, 'callModel' | 'envSource' | 'gate' | 'buildLog' | 'actor'> & {
  /** The checkout builds are made from. */
  root: string;
  gitCommit: string | null;
  log: (line: string) => void;
  /** Sees a plan with changes before anything changes; false cancels. Default: apply. */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** The fingerprint of the plan someone confirmed earlier; any other plan is refused. */
  fingerprint?: string;
  /** Cancels the apply: the running build step is killed, no further change starts. */
  signal?: AbortSignal;
};

export type TargetApplyResult = {
  plan: Plan;
  /** The fingerprint of `plan` (plan/fingerprint.ts). */
  fingerprint: string;
  /** Null when there was nothing to do, the apply was cancelled at the prompt, or it was refused. */
  report: ApplyReport | null;
  /** Why nothing was applied although asked to: the confirmed plan is stale. */
  refused?: string;
};

/** Plans against the target and applies what the plan says, under the target's lock. */
export async function applyToTarget(target: ApplyPorts, desired: { spec: Spec; keys: BuildKeys }, opts: ApplyToTargetOptions): Promise<TargetApplyResult> {
  return target.withLock(async () => {
    const observed = await target.observe();
    const p = plan(desired.spec, desired.keys, observed);
    const fingerprint = planFingerprint(p, observed);
    if (opts.fingerprint !== undefined && fingerprint !== opts.fingerprint) {
      return { plan: p, fingerprint, report: null, refused: STALE_PLAN_MESSAGE };
    }
    if (!p.changes.some((c) => c.action !== 'noop')) return { plan: p, fingerprint, report: null };
    if (opts.confirm && !(await opts.confirm(p))) return { plan: p, fingerprint, report: null };
    const report = await applyPlan(p, {
      root: opts.root,
      ledger: target.ledger,
      builder: target.builder,
      backend: target.backend,
      notDeployable: target.notDeployable,
      verifyExisting: target.verifyExisting,
      keys: desired.keys,
      gitCommit: opts.gitCommit,
      log: opts.log,
      callModel: opts.callModel ?? target.callModel,
      envSource: opts.envSource,
      signal: opts.signal,
      gate: opts.gate,
      buildLog: opts.buildLog,
      actor: opts.actor,
    });
    return { plan: p, fingerprint, report };
  });
}
