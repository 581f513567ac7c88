// A cluster's create-only deployment records (src/backends/kubernetes/records.ts) as history
// records. The cluster keeps when each deployment was applied and, since history existed, when the
// model was deleted; a deployment serves until the next one that did not fail was applied, or the
// model was deleted. During a rolling update both serve for a while: the answer names the newer
// one from the instant it was applied. A deployment in a canary or shadow rollout is not serving
// yet: it is `deploying`, and the one before it serves on until the rollout promotes it. Env is
// kept by name only (records hold no values anyway).
import type { ClusterState, HistoryEntry } from '../backends/kubernetes/observe.ts';
import type { HistoryRecord } from './timeline.ts';

function recordsOf(model: string, entries: readonly HistoryEntry[], inRollout: number | null): HistoryRecord[] {
  const sorted = [...entries].sort((a, b) => a.record.id - b.record.id);
  const rollingOut = (e: HistoryEntry): boolean => e.record.id === inRollout;
  // A delete marks the last record, whatever it was: its instant ends whatever served before it.
  const deletions = sorted.filter((e) => e.deleted).map((e) => e.deletedAt ?? e.record.createdAt);
  return sorted.map((entry, i) => {
    const { record } = entry;
    const start = Date.parse(record.createdAt);
    const next = sorted.slice(i + 1).find((e) => !e.failed && !rollingOut(e))?.record.createdAt ?? null;
    const deletion = deletions.find((at) => Date.parse(at) >= start) ?? null;
    let stoppedAt: string | null = null;
    if (!entry.failed) {
      const ends = [next, deletion].filter((at): at is string => at !== null).sort((a, b) => Date.parse(a) - Date.parse(b));
      stoppedAt = ends[0] ?? null;
    }
    const endedByDelete = stoppedAt !== null && stoppedAt === deletion && stoppedAt !== next;
    const status = entry.failed ? 'failed' : rollingOut(entry) ? 'deploying' : endedByDelete ? 'deleted' : next !== null ? 'superseded' : 'active';
    const { env, ...settings } = record.serving;
    return {
      model,
      deploymentId: record.id,
      build: record.build,
      buildKey: record.buildKey,
      commit: record.gitCommit,
      actor: record.actor,
      state: record.state,
      status,
      serving: { ...settings, env: Object.keys(env).sort() },
      reason: `${record.action}: ${record.reasons.join('; ') || 'as declared'}`,
      startedAt: record.createdAt,
      stoppedAt: rollingOut(entry) ? null : stoppedAt,
      gate: entry.gate ?? null,
    };
  });
}

/** Every deployment record in the cluster (of `model` only, when given), as history records. */
export function clusterHistoryRecords(state: ClusterState, model?: string): HistoryRecord[] {
  const models = model === undefined ? [...state.history.keys()] : [model];
  return models.flatMap((name) => recordsOf(name, state.history.get(name) ?? [], state.rollouts?.get(name)?.running?.candidateDeploymentId ?? null));
}
