// A Kubernetes namespace as a Target: the cluster is the record (no `.slipway/` state is read),
// images are built with buildah and pushed to the target's registry, builds are numbered in the
// cluster's build ledger, and applies hold the target's Lease from observe to the last deploy.
import { saveClusterCaptureSettings } from '../backends/kubernetes/cluster-capture-settings.ts';
import { clusterCaptures } from '../backends/kubernetes/metrics-store-proxy.ts';
import { clusterBuildLedger } from '../backends/kubernetes/cluster-build-ledger.ts';
import { withClusterApiKeys } from '../backends/kubernetes/cluster-api-keys.ts';
import { rotateClusterAccessKey } from '../backends/kubernetes/cluster-access-key.ts';
import { clusterBuilds, clusterHistory, clusterStatus } from '../backends/kubernetes/cluster-status.ts';
import { buildCacheOf, candidateBuildReason } from '../backends/kubernetes/image.ts';
import { provenanceProblem, trustedDigests, type FoundImage } from '../backends/kubernetes/image-provenance.ts';
import { servingPodsCaller } from '../backends/kubernetes/pod-gate-caller.ts';
import { toObserved } from '../backends/kubernetes/observe.ts';
import type { KubernetesBackend } from '../backends/kubernetes/kubernetes-backend.ts';
import { stateDir } from '../backends/local/observe.ts';
import { createBuildahBuilder } from '../build/buildah-builder.ts';
import type { Builder } from '../build/builder.ts';
import { clusterHistoryRecords } from '../history/cluster-records.ts';
import { rolloutText } from '../rollouts/rollout-text.ts';
import { headCommit } from '../source/repo.ts';
import type { Spec } from '../spec/types.ts';
import { clusterFor, withClusterDigests, withPinnedBases, type Cluster, type ClusterFlags } from '../workspace/cluster-target.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { ApplyPorts } from './apply-ports.ts';
import { applyToTarget } from './apply-to-target.ts';
import type { Target } from './target.ts';
import { clusterDeploymentsText } from './cluster-deployments-text.ts';

export type KubernetesTargetOptions = {
  ws: Pick<Workspace, 'root' | 'repo'>;
  spec: Spec;
  flags: ClusterFlags;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The image builder; default buildah, pushing to the target's registry. */
  builder?: Builder;
};

/** The Kubernetes target; `cluster` is there for the flows only a cluster has (candidate images tested with podman). */
export type KubernetesTargetPort = Target & { readonly kind: 'kubernetes'; readonly cluster: Cluster };

/** A cluster's apply ports: its Lease, its records as the build ledger, and `builder`'s images. */
export function clusterApplyPorts(backend: KubernetesBackend, builder: Builder): ApplyPorts {
  const ledger = clusterBuildLedger(backend.api);
  return {
    observe: async () => toObserved(await backend.readState(), backend.registry),
    withLock: (fn) => backend.withLock(fn),
    ledger,
    builder,
    backend,
    // A pull-request check's image is found by key in the ledger, but it was pushed to the
    // candidates repository by code that never passed review: the apply builds it again.
    notDeployable: (build) => candidateBuildReason(build, backend.registry),
    // An image already under the key's tag is deployed only with a trusted build's digest.
    verifyExisting: async (model, key, image: FoundImage) =>
      provenanceProblem(image, model, key, trustedDigests(await ledger.list(model), key, backend.registry)),
    // Examples after traffic moved: the serving pods, through the API server's pod proxy.
    callModel: servingPodsCaller(backend.api),
  };
}

/** The target the flags name in `spec`; throws a UserError when it cannot be resolved. */
export function kubernetesTarget(opts: KubernetesTargetOptions): KubernetesTargetPort {
  const cluster = clusterFor(opts.spec, opts.flags, opts.log);
  if (!cluster) throw new Error(`target "${opts.flags.target}" is not a kubernetes target`);
  const { backend } = cluster;
  const ns = backend.namespace;
  const ports = (): ApplyPorts =>
    clusterApplyPorts(
      backend,
      opts.builder ??
        createBuildahBuilder({
          stateDir: stateDir(opts.ws.root),
          registry: cluster.target.registry,
          tlsVerify: cluster.target.insecureRegistry ? false : undefined,
          credentials: cluster.credentials,
          cache: buildCacheOf(cluster.target, 'apply'),
        }),
    );
  return {
    kind: 'kubernetes',
    name: opts.flags.target ?? 'kubernetes',
    cluster,
    // Secrets digested with the cluster's key, base images pinned by digest, as the cluster keys builds.
    prepare: async (desired, { forApply }) => {
      const [spec, keys] = await Promise.all([withClusterDigests(cluster, desired.spec, { create: forApply, env: opts.env }), withPinnedBases(cluster, desired.keys)]);
      return { spec, keys };
    },
    advisory: () => null,
    observe: async () => toObserved(await backend.readState(), backend.registry),
    // The capture settings are written under the same apply lock as the deployments (withLock is
    // re-entrant), so of two applies at once the later one's settings are the ones that stay.
    apply: (desired, request) => backend.withLock(async () => {
      const applied = await applyToTarget(ports(), desired, {
        root: opts.ws.root,
        gitCommit: await headCommit(opts.ws.repo),
        log: request.log,
        confirm: request.confirm,
        fingerprint: request.fingerprint,
        signal: request.signal,
        gate: request.gate,
        // Build output stays in `log`, prefixed (`onBuild` is not used): buildah's lines name the
        // images pushed, which a CI log keeps.
      });
      if (applied.refused) return { ok: false, message: applied.refused, plan: applied.plan, fingerprint: applied.fingerprint };
      // No part of the plan (changing them redeploys nothing): written on every apply, for the gateways.
      await saveClusterCaptureSettings(backend.api, desired.spec);
      return { ok: true, plan: applied.plan, fingerprint: applied.fingerprint, report: applied.report };
    }),
    async status() {
      const models = clusterStatus(await backend.readState());
      const lines = [`namespace ${ns}`];
      if (models.length === 0) lines.push('no models deployed');
      for (const m of models) {
        const drift = m.drifted ? '  (runs another deployment than the last applied: `slipway plan --target` shows the repair)' : '';
        lines.push(
          `\n${m.model}  ${m.state}  deployment #${m.deploymentId ?? '?'}  build #${m.build ?? '?'}  ${m.readyReplicas}/${m.replicas} ready  rollout ${m.rollout}${drift}\n  image ${m.image ?? '-'}`,
        );
        // A canary or shadow as the local status shows it; the window as the gateway last saved it.
        if (m.progressive) lines.push(rolloutText(m.progressive).trimEnd());
      }
      return { json: { namespace: ns, models }, text: `${lines.join('\n')}\n` };
    },
    async builds(model) {
      const builds = clusterBuilds(await backend.readState(), model);
      if (builds.length === 0) return { json: builds, text: `${model} has no builds in namespace ${ns}\n` };
      const text = builds
        .map((b) => `#${b.number}  ${b.key.slice(0, 12)}  ${b.createdAt}  ${b.gitCommit?.slice(0, 8) ?? '-'}  ${b.files} files  ${b.image ?? '-'}${b.digest ? `@${b.digest}` : ''}\n`)
        .join('');
      return { json: builds, text };
    },
    async deployments(model) {
      const history = clusterHistory(await backend.readState(), model);
      return { json: history, text: clusterDeploymentsText(model, ns, history) };
    },
    history: async (model) => clusterHistoryRecords(await backend.readState(), model),
    captures: (model, q) => clusterCaptures(backend.api, { model, ...q }),
    withApiKeys: (edit) => withClusterApiKeys(backend.api, edit),
    rotateAccessKey: (model) => rotateClusterAccessKey(backend.api, opts.spec.project, model),
  };
}
