// Drift: what is running differs from the deployment Slipway last applied (replicas down, scaled
// or edited by hand, deleted). Apply answers drift by re-applying that deployment.
import type { AppliedDeployment, LiveState } from './types.ts';

/**
 * Reasons the live state differs from `applied`, e.g. `deployment missing`,
 * `1 of 3 replicas ready`. Empty when they agree, and when `live` is null (the backend cannot
 * see live state, so the record is trusted).
 */
export function driftReasons(applied: AppliedDeployment, live: LiveState | null): string[] {
  if (live === null) return [];
  if (live.state === 'missing') return ['deployment missing'];
  if (applied.state === 'stopped') return live.state === 'stopped' ? [] : ['running while declared stopped'];
  if (live.state === 'stopped') return ['stopped while declared running (slipway stop, or by hand)'];

  const reasons: string[] = [];
  const declared = applied.serving.replicas;
  if (live.replicas !== declared) {
    reasons.push(`replicas changed outside Slipway: ${live.replicas}, declared ${declared}`);
  }
  if (live.readyReplicas < declared) reasons.push(`${live.readyReplicas} of ${declared} replicas ready`);
  if (live.deploymentId !== null && live.deploymentId !== applied.id) {
    reasons.push(`running deployment #${live.deploymentId}, last applied #${applied.id}`);
  } else if (live.servingHash !== null && live.servingHash !== applied.servingHash) {
    reasons.push(`serving settings changed outside Slipway, last applied #${applied.id}`);
  }
  reasons.push(...(live.templateChanges ?? []));
  return reasons;
}
