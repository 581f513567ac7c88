// What `slipway status|builds|deployments --target` show for a cluster: read from the live
// Deployments and the create-only records (ClusterState), as the local commands read the store.
import type { V1Deployment } from '@kubernetes/client-node';
import { lastApplied, liveState, type ClusterState } from './observe.ts';
import type { GateSummary } from '../../history/gate-summary.ts';
import { rolloutVerdict } from './rollout.ts';

export type ClusterModelStatus = {
  model: string;
  /** The deployment the last apply recorded (null when none succeeded). */
  deploymentId: number | null;
  build: number | null;
  /** `running` / `stopped` as the cluster has it, or `missing` when the Deployment is gone. */
  state: string;
  replicas: number;
  readyReplicas: number;
  /** `complete`, `progressing`, or `failed` (ProgressDeadlineExceeded), from the Deployment's conditions. */
  rollout: 'complete' | 'progressing' | 'failed' | 'missing';
  /** True when the live Deployment runs another deployment than the last applied (changed by hand, or an apply in progress). */
  drifted: boolean;
  image: string | null;
  gitCommit: string | null;
};

export type ClusterHistoryEntry = {
  id: number;
  build: number;
  action: string;
  state: string;
  replicas: number;
  /** `failed` (the rollout did not complete), `deleted` (the model was deleted then), else `applied`. */
  outcome: 'applied' | 'failed' | 'deleted';
  gitCommit: string | null;
  actor: string;
  reasons: string[];
  createdAt: string;
  /** What its examples gate found before it took traffic; null when it was not gated. */
  gate: GateSummary | null;
};

export type ClusterBuildEntry = { number: number; key: string; image: string | null; digest: string | null; gitCommit: string | null; createdAt: string; files: number };

/** Every model with a live Deployment or a record that is not a deletion, by name. */
export function clusterStatus(state: ClusterState): ClusterModelStatus[] {
  const names = new Set([...state.deployments.keys(), ...state.history.keys()]);
  const out: ClusterModelStatus[] = [];
  for (const model of [...names].sort()) {
    const records = state.history.get(model) ?? [];
    const deployment = state.deployments.get(model);
    if (deployment === undefined && (records.length === 0 || records.at(-1)!.deleted)) continue;
    const applied = lastApplied(state, model);
    const live = liveState(deployment);
    out.push({
      model,
      deploymentId: applied?.id ?? null,
      build: applied?.build ?? null,
      state: live.state,
      replicas: live.replicas,
      readyReplicas: live.readyReplicas,
      rollout: rolloutOf(deployment),
      drifted: applied !== null && live.deploymentId !== applied.id,
      image: deployment?.spec?.template.spec?.containers[0]?.image ?? null,
      gitCommit: applied?.gitCommit ?? null,
    });
  }
  return out;
}

/** The deployment history of `model`, oldest first. */
export function clusterHistory(state: ClusterState, model: string): ClusterHistoryEntry[] {
  return (state.history.get(model) ?? []).map(({ record, failed, deleted, gate }) => ({
    id: record.id,
    build: record.build,
    action: record.action,
    state: record.state,
    replicas: record.serving.replicas,
    outcome: failed ? 'failed' : deleted ? 'deleted' : 'applied',
    gitCommit: record.gitCommit,
    actor: record.actor,
    reasons: record.reasons,
    createdAt: record.createdAt,
    gate: gate ?? null,
  }));
}

/** The build records of `model`, by number. */
export function clusterBuilds(state: ClusterState, model: string): ClusterBuildEntry[] {
  return (state.builds.get(model) ?? []).map((b) => ({
    number: b.number,
    key: b.key,
    image: b.artifact,
    digest: b.digest,
    gitCommit: b.gitCommit,
    createdAt: b.createdAt,
    files: b.inputs.files.length,
  }));
}

function rolloutOf(d: V1Deployment | undefined): ClusterModelStatus['rollout'] {
  if (d === undefined) return 'missing';
  const verdict = rolloutVerdict(d);
  return 'failed' in verdict ? 'failed' : verdict.done ? 'complete' : 'progressing';
}
