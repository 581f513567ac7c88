// A rollout as `slipway status` prints it: step and weights, then the live build against the new
// deployment (calls, error rate, p95; for a shadow the changed answers too).
import type { StartedRollout } from '../backends/backend.ts';
import type { RolloutState } from './rollout-controller.ts';
import type { SideSummary } from './rollout-window.ts';

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} ms`);
const side = (s: SideSummary): string => `${s.calls} calls, errors ${(s.errorRate * 100).toFixed(1)} %, p95 ${ms(s.p95Ms)}`;

/** How an apply says a deployment began its rollout: "started as a canary at 5 %", "started as a shadow". */
export function startedAs(r: StartedRollout): string {
  return r.strategy === 'canary' ? `started as a canary at ${r.weight} %` : 'started as a shadow';
}

/** One line for the deployment's record: how the rollout ended and what it measured. */
export function rolloutRecord(r: RolloutState): string {
  const c = r.comparison;
  const changed = c.compared === undefined ? '' : `, ${c.changed} of ${c.compared} answers changed`;
  const how = r.reason ?? (r.strategy === 'canary' ? 'after its last step' : 'after its duration');
  return `${r.strategy} promoted (${how}): live ${side(c.live)}; new ${side(c.candidate)}${changed}`;
}

/** Lines (each ending in a newline, indented two spaces) describing `r`. */
export function rolloutText(r: RolloutState, now: number = Date.now()): string {
  const c = r.comparison;
  let head: string;
  if (r.strategy === 'canary') {
    head = `canary #${r.candidateDeploymentId}  step ${Math.min(r.step + 1, r.steps.length)}/${r.steps.length} (${r.steps.join(', ')})  weights: live #${r.liveDeploymentId} ${100 - r.weight} %, canary ${r.weight} %`;
  } else {
    const dropped = r.dropped === undefined ? '' : `, ${r.dropped} dropped under pressure`;
    head = `shadow #${r.candidateDeploymentId}  mirrors live #${r.liveDeploymentId}: ${c.candidate.calls} copies answered of ${c.live.calls} live calls${dropped}`;
  }
  // A cluster's saved copy lags the driving gateway by up to its save interval: say when it was saved.
  const saved = r.savedAt === undefined ? '' : ` (as saved at ${new Date(r.savedAt).toISOString().slice(11, 19)} UTC)`;
  const when = r.outcome === 'running' ? `  next in ${Math.max(0, Math.round((r.nextAt - now) / 1000))} s${saved}` : `  ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`;
  let text = `  ${head}${when}\n    live:      ${side(c.live)}\n    candidate: ${side(c.candidate)}\n`;
  if (c.compared !== undefined) text += `    changed answers: ${c.changed} of ${c.compared} compared\n`;
  return text;
}
