// The CI flows for a kubernetes target (the `backend` input names a target of models.yaml): pull
// requests plan against the cluster and test candidate images with podman; merges and schedules
// apply under the target's Lease. The cluster is the record, so no daemon and no `.slipway/` state.
import { secretNames } from '../apply/desired.ts';
import type { RunReport } from '../github/run-report.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { headCommit } from '../source/repo.ts';
import { kubernetesTarget, type KubernetesTargetPort } from '../target/kubernetes-target.ts';
import { planned } from './candidate-tests.ts';
import { clusterTest } from './cluster-test-flow.ts';
import type { FlowRun } from './flow-context.ts';
import { loadModels, modelsFileName } from './load-models.ts';
import { invalidReport, modelPassed, outcomeReport, toReport } from './to-report.ts';

type Kind = RunReport['kind'];

/** The flow of `kind` against the kubernetes target `ctx.settings.backend`. */
export function clusterFlow(kind: Kind): FlowRun {
  return async (ctx) => {
    const header = { kind, commit: ctx.commit, modelsFile: modelsFileName(ctx.ws) };
    const desired = await loadModels(ctx.ws, { forApply: kind !== 'plan' && kind !== 'test', env: ctx.env });
    if (!desired.ok) return invalidReport(header, desired);
    ctx.secrets(secretNames(desired.spec));
    let target: KubernetesTargetPort;
    try {
      target = kubernetesTarget({ ws: ctx.ws, spec: desired.spec, flags: { target: ctx.settings.backend }, log: ctx.log, env: ctx.env });
    } catch (error) {
      return toReport(header, { failure: (error as Error).message });
    }
    let prepared;
    try {
      prepared = await target.prepare(desired, { forApply: kind === 'apply' || kind === 'reconcile' });
    } catch (error) {
      // A base image whose digest cannot be read fails the run with the reason.
      return toReport(header, { failure: (error as Error).message });
    }
    if (kind === 'plan') {
      const observed = await target.observe();
      const thePlan = plan(prepared.spec, prepared.keys, observed);
      const models = thePlan.changes.filter((c) => c.action !== 'noop').map(planned);
      return toReport(header, { ok: true, plan: thePlan, fingerprint: planFingerprint(thePlan, observed), models });
    }
    if (kind === 'test') {
      const { cluster } = target;
      const gitCommit = await headCommit(ctx.ws.repo);
      const tested = await clusterTest({ root: ctx.ws.root, spec: prepared.spec, keys: prepared.keys, backend: cluster.backend, target: cluster.target, credentials: cluster.credentials, gitCommit, env: ctx.env, log: ctx.log });
      return toReport(header, { ok: tested.models.every(modelPassed), plan: tested.plan, fingerprint: tested.fingerprint, models: tested.models });
    }
    const applied = await target.apply(prepared, { log: ctx.log, fingerprint: ctx.settings.planFingerprint ?? undefined });
    if (!applied.ok) return toReport(header, { plan: applied.plan, fingerprint: applied.fingerprint, failure: applied.message });
    const drift = kind === 'reconcile' && hasChanges(applied.plan);
    // Each model's build, deploy, rollout and tests are reported as they went: a rollout that
    // failed after a build that succeeded says `built`, and the phase that failed.
    const models = (applied.report?.outcomes ?? []).map((o) => outcomeReport(o, applied.plan));
    const report = toReport(header, { ok: applied.report?.ok ?? true, plan: applied.plan, fingerprint: applied.fingerprint, models, drift });
    if (drift && ctx.settings.failOnDrift) {
      report.ok = false;
      report.failure = 'drift was found (and repaired where possible); failing because fail-on-drift is set';
    }
    return report;
  };
}
