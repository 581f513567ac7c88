// The dashboard's page data on a cluster, from plain values: the cluster's records and live
// Deployments (ClusterState), the gateway's per-replica counters, and each model's recent totals
// from the metrics store. Pure, like page-data.ts is for the daemon; never copies a secret value
// (env variables by name; no access key: the cluster keeps only their hashes).
import type { ClusterState } from '../backends/kubernetes/observe.ts';
import { clusterStatus } from '../backends/kubernetes/cluster-status.ts';
import { statusOf } from '../backends/kubernetes/records.ts';
import type { ReplicaStats } from '../gateway/types.ts';
import type { RecentTotals } from '../metrics-store/tech-rows.ts';
import type { OverviewModel } from './pages/overview.ts';
import type { ModelPageData } from './pages/model.ts';
import type { Scope } from './page-data.ts';
import type { RolloutState } from '../rollouts/rollout-controller.ts';
import { rolloutBadge } from './pages/rollout-section.ts';

const visible = (scope: Scope, name: string) => scope === null || scope.includes(name);

/** Calls and failed calls per model since the store's last sample (Sampler.unsampled). */
export type Unsampled = Map<string, { calls: number; failed: number }>;

/** The rollout the driving gateway replica runs for a model (its controller's own state), or null elsewhere. */
export type LiveRollout = (model: string) => RolloutState | null;

/**
 * A model's canary or shadow as the dashboard shows it: the driving controller's own state when
 * this gateway replica leads (fresher than the last save), else the one saved on the Service (with
 * `savedAt`), else the last one that ended; null with none.
 */
export function clusterRollout(state: ClusterState, model: string, live: LiveRollout = () => null): RolloutState | null {
  const mine = live(model);
  if (mine?.outcome === 'running') return mine;
  const saved = state.rollouts?.get(model);
  return saved?.running ?? saved?.ended ?? null;
}

export function clusterOverviewModels(state: ClusterState, recent: readonly RecentTotals[], unsampled: Unsampled, scope: Scope, liveRollout?: LiveRollout): OverviewModel[] {
  const totals = new Map(recent.map((r) => [r.model, r]));
  return clusterStatus(state)
    .filter((m) => visible(scope, m.model))
    .map((m) => {
      const records = state.history.get(m.model) ?? [];
      const applied = [...records].reverse().find((h) => !h.failed)?.record ?? null;
      const t = totals.get(m.model);
      const live = unsampled.get(m.model);
      const resources = applied?.serving.resources;
      return {
        name: m.model,
        state: m.state,
        build: m.build,
        deploymentId: m.deploymentId,
        readyReplicas: m.readyReplicas,
        wantedReplicas: applied?.serving.replicas ?? m.replicas,
        callsLastHour: (t?.calls ?? 0) + (live?.calls ?? 0),
        failedLastHour: (t?.failed ?? 0) + (live?.failed ?? 0),
        p95Ms: t?.p95 ?? null,
        cpu: resources?.cpu ?? null,
        memory: resources?.memory ?? null,
        gpu: resources?.gpu ?? 0,
        rollout: rolloutBadge(clusterRollout(state, m.model, liveRollout)),
      };
    });
}

/** A model's page on a cluster, or null when the cluster has no such model (or it is out of scope). */
export function clusterModelPage(
  state: ClusterState,
  stats: readonly ReplicaStats[],
  name: string,
  scope: Scope,
  endpoint: string,
  live?: LiveRollout,
): Omit<ModelPageData, 'viewer' | 'exampleInput' | 'history'> | null {
  if (!visible(scope, name)) return null;
  const m = clusterStatus(state).find((x) => x.model === name);
  if (!m) return null;
  const history = state.history.get(name) ?? [];
  const applied = [...history].reverse().find((h) => !h.failed)?.record ?? null;
  return {
    name,
    state: m.state,
    deploymentId: m.deploymentId,
    auth: applied?.serving.auth ?? true,
    endpoint,
    accessKey: null,
    replicas: stats.filter((s) => s.model === name).map((s) => ({
      id: s.replicaId, state: s.state, pid: null, received: s.received, processed: s.processed, success: s.success,
      failure: s.failure, error: s.error, busy: s.busy, restarts: s.restarts,
    })),
    builds: [...(state.builds.get(name) ?? [])].reverse().map((b) => ({
      number: b.number, key: b.key, gitCommit: b.gitCommit, status: statusOf(b), startedAt: b.createdAt, finishedAt: b.finishedAt ?? null,
      logTail: b.errorTail ?? null,
    })),
    deployments: [...history].reverse().map(({ record: d, failed, deleted, deletedAt }) => ({
      id: d.id, build: d.build, status: failed ? 'failed' : deleted ? 'deleted' : 'applied', state: d.state, actor: d.actor, gitCommit: d.gitCommit,
      reason: d.reasons.join('; ') || null, startedAt: d.createdAt, stoppedAt: deletedAt ?? null,
      serving: {
        replicas: d.serving.replicas, cpu: d.serving.resources.cpu, memory: d.serving.resources.memory, gpu: d.serving.resources.gpu,
        concurrency: d.serving.concurrency, timeoutSeconds: d.serving.timeoutSeconds, auth: d.serving.auth,
        env: Object.keys(d.serving.env).sort(),
      },
    })),
    actions: [],
    rollout: clusterRollout(state, name, live),
  };
}
