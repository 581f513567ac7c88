// Whether a rollout's window breaks its policy: pure, so each rule is tested with plain numbers.
import type { RolloutPolicy } from '../spec/types.ts';
import type { WindowSummary } from './rollout-window.ts';

const percent = (rate: number): string => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)} %`;

/**
 * Why the new deployment fails the policy, or null when it holds. Errors are compared with the
 * live build's own rate over the same window (a model that fails 2 % of calls today may keep
 * doing so); latency against `maxP95`. With no call to the new deployment there is nothing to judge.
 */
export function policyBreach(policy: RolloutPolicy, window: WindowSummary): string | null {
  const { live, candidate } = window;
  if (candidate.calls === 0) return null;
  if (candidate.errorRate > live.errorRate + policy.maxErrorRate) {
    return `error rate ${percent(candidate.errorRate)} (${candidate.errors} of ${candidate.calls} calls) against the live build's ${percent(live.errorRate)}; maxErrorRate allows ${percent(policy.maxErrorRate)} more`;
  }
  if (policy.maxP95Ms !== null && candidate.p95Ms !== null && candidate.p95Ms > policy.maxP95Ms) {
    const liveP95 = live.p95Ms === null ? 'none' : `${live.p95Ms.toFixed(1)} ms`;
    return `p95 latency ${candidate.p95Ms.toFixed(1)} ms is over maxP95 ${policy.maxP95Ms} ms (live build: ${liveP95})`;
  }
  return null;
}
