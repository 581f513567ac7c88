// The model page's rollout panel: a canary or shadow in progress (or the last one finished since
// the daemon started): the live build against the candidate, the current window side by side,
// earlier canary steps, when the next step comes, and for admins a "Promote now" form. Pure: from
// the controller's RolloutState (what `slipway status` prints too) to markup.
import type { RolloutState } from '../../rollouts/rollout-controller.ts';
import type { SideSummary, WindowSummary } from '../../rollouts/rollout-window.ts';
import { formatMs, formatTime } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Viewer } from './layout.ts';

const rate = (s: SideSummary): string => (s.calls === 0 ? '—' : `${(s.errorRate * 100).toFixed(s.errorRate < 0.01 ? 2 : 1)} %`);
const at = (ms: number): string => formatTime(new Date(ms).toISOString());

/** How the overview says a model is in rollout: "canary 25 % (step 1/3)", "shadow"; null with none running. */
export function rolloutBadge(r: RolloutState | null | undefined): string | null {
  if (!r || r.outcome !== 'running') return null;
  return r.strategy === 'canary' ? `canary ${r.weight} % (step ${r.step + 1}/${r.steps.length})` : 'shadow';
}

function sideRows(w: WindowSummary, live: string, candidate: string): Html {
  const row = (label: string, s: SideSummary) => html`<tr><th scope="row">${label}</th><td class="num">${s.calls}</td><td class="num">${s.errors}</td><td class="num">${rate(s)}</td><td class="num">${formatMs(s.p95Ms)}</td></tr>`;
  return html`${row(live, w.live)}${row(candidate, w.candidate)}`;
}

/** The current window: each side's calls, errors, error rate and p95; for a shadow, compared, changed and dropped copies. */
function currentWindow(r: RolloutState): Html {
  const c = r.comparison;
  const caption = r.outcome !== 'running'
    ? 'Its last window, when it ended'
    : r.strategy === 'canary' ? `Step ${r.step + 1}: calls since it began` : 'Calls since the shadow began';
  // A copy saved by the driving gateway replica (another one, on a cluster) lags by up to its save interval.
  const saved = r.outcome === 'running' && r.savedAt !== undefined
    ? html` <span class="hint" id="rollout-saved">(as saved at <time datetime="${new Date(r.savedAt).toISOString()}">${new Date(r.savedAt).toISOString().slice(11, 19)}</time> UTC)</span>`
    : '';
  return html`<table class="rollout-window" id="rollout-window"><caption>${caption}${saved}</caption>
<thead><tr><th scope="col">Side</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Error rate</th><th scope="col" class="num">p95</th></tr></thead>
<tbody>${sideRows(c, `live #${r.liveDeploymentId}`, `${r.strategy} #${r.candidateDeploymentId}`)}</tbody></table>
${c.compared === undefined
  ? ''
  : html`<dl class="facts" id="rollout-shadow"><div><dt>Answers compared</dt><dd>${c.compared}</dd></div><div><dt>Answers changed</dt><dd>${c.changed ?? 0}${c.compared ? ` (${(((c.changed ?? 0) / c.compared) * 100).toFixed(1)} %)` : ''}</dd></div>${r.dropped === undefined ? '' : html`<div><dt>Copies dropped</dt><dd>${r.dropped} <span class="hint">(the shadow was busy: never at the live call's expense)</span></dd></div>`}</dl>`}`;
}

function earlierSteps(r: RolloutState): Html {
  if (r.earlier.length === 0) return html``;
  const rows = r.earlier.map((w, i) => html`<tr><th scope="row">${i + 1} (${r.steps[i]} %)</th><td class="num">${w.live.calls}</td><td class="num">${rate(w.live)}</td><td class="num">${formatMs(w.live.p95Ms)}</td><td class="num">${w.candidate.calls}</td><td class="num">${rate(w.candidate)}</td><td class="num">${formatMs(w.candidate.p95Ms)}</td></tr>`);
  return html`<table id="rollout-earlier"><caption>Earlier steps</caption>
<thead><tr><th scope="col">Step</th><th scope="col" class="num">Live calls</th><th scope="col" class="num">Live error rate</th><th scope="col" class="num">Live p95</th><th scope="col" class="num">Canary calls</th><th scope="col" class="num">Canary error rate</th><th scope="col" class="num">Canary p95</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** The section, or nothing when the model has had no rollout (since the daemon started; on a cluster, that its Service keeps). */
export function renderRollout(name: string, r: RolloutState | null | undefined, viewer: Viewer, now: number): Html {
  if (!r) return html``;
  const running = r.outcome === 'running';
  const share = r.strategy === 'canary'
    ? html`step ${Math.min(r.step + 1, r.steps.length)} of ${r.steps.length} (${r.steps.join(', ')} %): the canary serves <strong>${r.weight} %</strong> of calls`
    : html`the shadow gets a copy of every live call; its answers are compared, never returned`;
  const next = r.strategy === 'canary' && r.step + 1 < r.steps.length && r.steps[r.step + 1]! < 100 ? `step ${r.step + 2} (${r.steps[r.step + 1]} %)` : 'promotion';
  const status = running
    ? html`<p id="rollout-next">Next: ${next} at <time datetime="${new Date(r.nextAt).toISOString()}">${at(r.nextAt)}</time> (in ${Math.max(0, Math.round((r.nextAt - now) / 1000))} s), if the policy holds.</p>`
    : html`<p id="rollout-outcome" role="status" class="${r.outcome === 'promoted' ? '' : 'error'}"><strong>${r.outcome}</strong>${r.reason ? `: ${r.reason}` : ''}</p>`;
  const promote = running && viewer.admin && (!viewer.readOnly || viewer.promotes === true)
    ? html`<form method="post" action="/ui/models/${encodeURIComponent(name)}/promote" data-confirm="Promote deployment #${r.candidateDeploymentId} of ${name} now? It takes every call; deployment #${r.liveDeploymentId} drains and stops." class="inline">
<input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Promote now</button></form>`
    : '';
  return html`<section aria-labelledby="rollout-title" id="rollout" data-outcome="${r.outcome}"><h2 id="rollout-title">${running ? 'Rollout in progress' : 'Last rollout'}: ${r.strategy}</h2>
<dl class="facts"><div><dt>Live</dt><dd>deployment #${r.liveDeploymentId}, build #${r.liveBuild}</dd></div>
<div><dt>Candidate</dt><dd>deployment #${r.candidateDeploymentId}, build #${r.candidateBuild}</dd></div>
<div><dt>Started</dt><dd>${at(r.startedAt)}</dd></div>
${running ? html`<div><dt>Now</dt><dd>${share}</dd></div>` : ''}</dl>
${status}
${currentWindow(r)}
${earlierSteps(r)}
${promote}
</section>`;
}
