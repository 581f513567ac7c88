// `slipway prune --target`: a cluster's records grow by one ConfigMap per build and per deployment,
// for ever. Pruning keeps each model's newest `keep` deployment records and builds, and everything
// still needed: the record that is applied (plans compare against it), the one the live Deployment
// runs, the builds those refer to (a rollback redeploys them), builds still running, and anything
// younger than `minAgeMs`. Older history goes, as `helm` drops revisions past `--history-max`.
import type { KubeApi } from './kube-api.ts';
import { partNamesOf } from './build-record-parts.ts';
import { annotation, buildRecordName, historyName } from './names.ts';
import { lastApplied, type ClusterState } from './observe.ts';
import { statusOf } from './records.ts';

export type ClusterPruneOptions = { keep: number; minAgeMs: number; now?: Date; dryRun: boolean };

export type ClusterPruneReport = {
  dryRun: boolean;
  /** Build records removed (with their file-list parts), per model and number. */
  builds: Array<{ model: string; number: number }>;
  /** Deployment records removed. */
  deployments: Array<{ model: string; id: number }>;
};

/** The records of `state` that pruning with `opts` removes (pure). */
export function recordsToPrune(state: ClusterState, opts: Omit<ClusterPruneOptions, 'dryRun'>): Omit<ClusterPruneReport, 'dryRun'> {
  const now = (opts.now ?? new Date()).getTime();
  const young = (at: string | undefined) => at === undefined || !(now - Date.parse(at) >= opts.minAgeMs);
  const report: Omit<ClusterPruneReport, 'dryRun'> = { builds: [], deployments: [] };
  const models = [...new Set([...state.builds.keys(), ...state.history.keys()])].sort();
  for (const model of models) {
    const history = state.history.get(model) ?? [];
    const applied = lastApplied(state, model);
    const liveId = Number(state.deployments.get(model)?.metadata?.annotations?.[annotation.deploymentId]);
    const kept = history.filter((entry, i) =>
      i >= history.length - opts.keep || entry.record.id === applied?.id || entry.record.id === liveId || young(entry.record.createdAt));
    for (const entry of history) if (!kept.includes(entry)) report.deployments.push({ model, id: entry.record.id });
    const needed = new Set(kept.map((entry) => entry.record.build));
    const builds = state.builds.get(model) ?? [];
    builds.forEach((build, i) => {
      const spared = i >= builds.length - opts.keep || needed.has(build.number) || statusOf(build) === 'building' || young(build.finishedAt ?? build.createdAt);
      if (!spared) report.builds.push({ model, number: build.number });
    });
  }
  return report;
}

/** Removes what `recordsToPrune` picks (nothing with `dryRun`); call it holding the apply lock. */
export async function pruneCluster(api: KubeApi, state: ClusterState, opts: ClusterPruneOptions): Promise<ClusterPruneReport> {
  const picked = recordsToPrune(state, opts);
  if (opts.dryRun) return { dryRun: true, ...picked };
  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name });
  for (const { model, id } of picked.deployments) await api.remove(configMap(historyName(model, id)));
  for (const { model, number } of picked.builds) {
    const record = state.builds.get(model)?.find((b) => b.number === number);
    // The record first: a record without parts is never read, parts without a record are harmless.
    await api.remove(configMap(buildRecordName(model, number)));
    for (const part of record ? partNamesOf(record) : []) await api.remove(configMap(part));
  }
  return { dryRun: false, ...picked };
}

