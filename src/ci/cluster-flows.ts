// The CI flows for a kubernetes target (the `backend` input names a target of models.yaml): pull
// requests plan against the cluster and test candidate images with podman; merges and schedules
// apply under the target's Lease. The cluster is the record, so no daemon and no `.slipway/` state.
import { secretNames } from '../apply/desired.ts';
import { applyToCluster } from '../backends/kubernetes/cluster-apply.ts';
import { toObserved } from '../backends/kubernetes/observe.ts';
import { createBuildahBuilder } from '../build/buildah-builder.ts';
import { stateDir } from '../backends/local/observe.ts';
import { clusterFor, withClusterDigests } from '../cli/cluster-target.ts';
import type { ModelReport, RunReport } from '../github/run-report.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { headCommit } from '../source/repo.ts';
import { planned } from './candidate-tests.ts';
import { clusterTest } from './cluster-test-flow.ts';
import type { FlowRun } from './flow-context.ts';
import { loadModels, modelsFileName } from './load-models.ts';

type Kind = RunReport['kind'];

/** The flow of `kind` against the kubernetes target `ctx.settings.backend`. */
export function clusterFlow(kind: Kind): FlowRun {
  return async (ctx) => {
    const modelsFile = modelsFileName(ctx.ws);
    const base: RunReport = { kind, ok: false, commit: ctx.commit, modelsFile, issues: [], plan: null, models: [], notes: [], failure: null, drift: false };
    const desired = await loadModels(ctx.ws, { forApply: kind !== 'plan' && kind !== 'test', env: ctx.env });
    if (!desired.ok) return { ...base, issues: desired.issues, failure: desired.issues.length ? null : desired.message };
    ctx.secrets(secretNames(desired.spec));
    let cluster;
    try {
      cluster = clusterFor(desired.spec, { target: ctx.settings.backend }, ctx.log);
    } catch (error) {
      return { ...base, failure: (error as Error).message };
    }
    if (!cluster) return { ...base, failure: `target "${ctx.settings.backend}" is not a kubernetes target` };
    desired.spec = await withClusterDigests(cluster, desired.spec, { create: kind === 'apply' || kind === 'reconcile', env: ctx.env });
    const gitCommit = await headCommit(ctx.ws.repo);
    if (kind === 'plan') {
      const thePlan = plan(desired.spec, desired.keys, toObserved(await cluster.backend.readState()));
      return { ...base, ok: true, plan: thePlan, models: thePlan.changes.filter((c) => c.action !== 'noop').map(planned) };
    }
    if (kind === 'test') {
      const tested = await clusterTest({ root: ctx.ws.root, spec: desired.spec, keys: desired.keys, backend: cluster.backend, target: cluster.target, credentials: cluster.credentials, gitCommit, env: ctx.env, log: ctx.log });
      const ok = tested.models.every((m) => m.error === null && m.tests.every((t) => t.pass));
      return { ...base, ok, plan: tested.plan, models: tested.models };
    }
    const tlsVerify = cluster.target.insecureRegistry ? false : undefined;
    const builder = createBuildahBuilder({ stateDir: stateDir(ctx.ws.root), registry: cluster.target.registry, tlsVerify, credentials: cluster.credentials });
    const applied = await applyToCluster({ backend: cluster.backend, spec: desired.spec, keys: desired.keys, root: ctx.ws.root, builder, gitCommit, log: ctx.log });
    const drift = kind === 'reconcile' && hasChanges(applied.plan);
    const models: ModelReport[] = (applied.report?.outcomes ?? []).map((o) => ({
      model: o.model,
      action: o.action,
      reasons: applied.plan.changes.find((c) => c.model === o.model)?.reasons ?? [],
      build: o.build && { number: o.build.number, key: o.build.key, state: o.build.reused ? 'reused' : o.ok ? 'built' : 'failed' },
      error: o.error,
      errorTail: o.errorTail,
      tests: o.tests,
      deploymentId: o.deploymentId,
      curl: null,
    }));
    const report: RunReport = { ...base, ok: applied.report?.ok ?? true, plan: applied.plan, models, drift };
    if (drift && ctx.settings.failOnDrift) {
      report.ok = false;
      report.failure = 'drift was found (and repaired where possible); failing because fail-on-drift is set';
    }
    return report;
  };
}
