// `slipway deployments <model> --target`: a cluster's deployment records as lines, each with what
// its examples gate found, and under a failed gate why each failing example failed.
import type { ClusterHistoryEntry } from '../backends/kubernetes/cluster-status.ts';
import { gateFailures, gateText } from '../history/gate-summary.ts';

/** The lines of `history` (one model's records, oldest first); `namespace` names where, for none. */
export function clusterDeploymentsText(model: string, namespace: string, history: readonly ClusterHistoryEntry[]): string {
  if (history.length === 0) return `${model} has no deployments in namespace ${namespace}\n`;
  return history
    .map(
      (d) =>
        `#${d.id}  build #${d.build}  ${d.outcome.padEnd(8)}  ${d.action.padEnd(11)}  ${d.state.padEnd(7)}  replicas ${d.replicas}  ${d.createdAt}  ${d.gitCommit?.slice(0, 8) ?? '-'}  ${d.actor}  ${gateText(d.gate)}\n${gateFailures(d.gate)}`,
    )
    .join('');
}
