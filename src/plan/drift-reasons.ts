// Drift: what is running differs from the deployment Slipway last applied (replicas down, scaled
// or edited by hand, deleted). Apply answers drift by re-applying that deployment.
import type { Reason } from './reason.ts';
import type { AppliedDeployment, LiveState } from './types.ts';

/**
 * Reasons the live state differs from `applied`, e.g. `deployment missing`,
 * `1 of 3 replicas ready`. Empty when they agree, and when `live` is null (the backend cannot
 * see live state, so the record is trusted).
 */
export function driftReasons(applied: AppliedDeployment, live: LiveState | null): Reason[] {
  if (live === null) return [];
  if (live.state === 'missing') return [{ kind: 'drift', drift: 'missing' }];
  if (applied.state === 'stopped') return live.state === 'stopped' ? [] : [{ kind: 'drift', drift: 'running-while-stopped' }];
  if (live.state === 'stopped') return [{ kind: 'drift', drift: 'stopped-while-running' }];

  const reasons: Reason[] = [];
  const declared = applied.serving.replicas;
  if (live.replicas !== declared) reasons.push({ kind: 'drift', drift: 'replicas', replicas: live.replicas, declared });
  if (live.readyReplicas < declared) reasons.push({ kind: 'drift', drift: 'ready', ready: live.readyReplicas, declared });
  if (live.deploymentId !== null && live.deploymentId !== applied.id) {
    reasons.push({ kind: 'drift', drift: 'other-deployment', running: live.deploymentId, applied: applied.id });
  } else if (live.servingHash !== null && live.servingHash !== applied.servingHash) {
    reasons.push({ kind: 'drift', drift: 'serving', applied: applied.id });
  }
  for (const text of live.templateChanges ?? []) reasons.push({ kind: 'drift', drift: 'template', text });
  return reasons;
}
