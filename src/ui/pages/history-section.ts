// The model page's deployments and "what was live when", in one table: every deployment with who
// applied it, when it served, its serving settings, why it was made (and how it ended) and how it
// did on its examples; and a form asking which one served at an instant (answered by the server,
// so it works without scripts). Pure: from the HistoryView (src/ui/history-view.ts) and the
// deployments' rows to markup.
import { html, type Html } from '../html.ts';
import { formatTime } from '../format.ts';
import type { AtAnswer, HistoryView } from '../history-view.ts';
import type { TimelineEntry } from '../../history/timeline.ts';
import type { DeploymentRow } from './model.ts';

/** How a deployment did on its examples before it took traffic. */
export type GateRow = { passed: boolean; total: number; failures: string[] };

const short = (commit: string | null): string => (commit ? commit.slice(0, 10) : '—');

/** Who applied it: the kind (user, ci, follow) first, then the rest of the recorded actor. */
function actorCell(e: TimelineEntry): Html {
  if (e.actor === null) return html`<td>unknown</td>`;
  const rest = e.actor.startsWith(`${e.actorKind}:`) ? e.actor.slice(e.actorKind.length + 1) : e.actor;
  return html`<td data-actor-kind="${e.actorKind}"><span class="actor-kind">${e.actorKind}</span> ${rest}</td>`;
}

function answer(name: string, at: AtAnswer): Html {
  if (!at.ok) return html`<p id="live-at-answer" role="alert" class="error">${at.error}</p>`;
  const e = at.live;
  if (!e) return html`<p id="live-at-answer" role="status">Nothing of ${name} served at ${formatTime(at.instant)}.</p>`;
  return html`<p id="live-at-answer" role="status">At ${formatTime(at.instant)}, <strong>deployment #${e.deploymentId}</strong> served ${name}: build #${e.build}, commit <code>${short(e.commit)}</code>, applied by ${e.actor ?? 'unknown'}, serving since ${formatTime(e.servedFrom)}${e.state === 'stopped' ? ' (stopped: it took no calls)' : ''}.</p>`;
}

/** The `datetime-local` value for an answered instant (UTC, milliseconds kept). */
const inputValue = (at: AtAnswer | null): string => (at?.ok ? at.instant.slice(0, 23) : '');

/** Serving settings in one line; env variables by name only. */
function servingCell(s: DeploymentRow['serving'] | undefined): Html {
  if (!s) return html`<td>—</td>`;
  return html`<td class="serving">${s.replicas} × (cpu ${s.cpu ?? '—'}, memory ${s.memory ?? '—'}, gpu ${s.gpu}), concurrency ${s.concurrency}, timeout ${s.timeoutSeconds} s${s.auth ? ', API key' : ''}${s.env.length ? html`, env <code>${s.env.join(', ')}</code>` : ''}</td>`;
}

function gateCell(gate: GateRow | undefined): Html {
  if (!gate) return html`<td>—</td>`;
  if (gate.passed) return html`<td data-gate="passed">${gate.total} of ${gate.total} passed</td>`;
  return html`<td data-gate="failed"><span class="error">${gate.failures.length} of ${gate.total} failed</span>${gate.failures.map((f) => html`<br><small>${f}</small>`)}</td>`;
}

/** The section, for the model `name`; `deployments` adds each one's settings, reason and examples (matched by id). */
export function renderHistory(name: string, view: HistoryView, deployments: readonly DeploymentRow[] = []): Html {
  const liveId = view.at?.ok ? (view.at.live?.deploymentId ?? null) : null;
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const rows = view.entries.map((e) => {
    const d = byId.get(e.deploymentId);
    return html`<tr${e.deploymentId === liveId ? html` class="live-at" aria-current="true"` : ''}><th scope="row">#${e.deploymentId}</th><td>#${e.build}</td><td><code${e.commit ? html` title="${e.commit}"` : ''}>${short(e.commit)}</code></td>
${actorCell(e)}<td>${e.servedFrom === null ? 'never served' : formatTime(e.servedFrom)}</td><td>${e.servedFrom === null ? '—' : e.servedUntil === null ? 'now' : formatTime(e.servedUntil)}</td><td>${e.status}${e.state === 'stopped' ? ' (stopped)' : ''}</td>
${servingCell(d?.serving)}<td class="reason">${e.reason ?? '—'}</td>${gateCell(d?.gate)}</tr>`;
  });
  return html`<section aria-labelledby="history-title" id="history"><h2 id="history-title">Deployments: what was live when</h2>
<form method="get" action="/ui/models/${encodeURIComponent(name)}#history" class="live-at-form">
<label for="live-at">Instant (UTC)</label>
<input id="live-at" name="at" type="datetime-local" step="0.001" value="${inputValue(view.at)}" required>
<button type="submit">Which served then?</button>
</form>
${view.at ? answer(name, view.at) : ''}
<table class="timeline"><caption>Every deployment of ${name}, oldest first, with when it took traffic (UTC)</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Build</th><th scope="col">Commit</th><th scope="col">Applied by</th><th scope="col">Serving from</th><th scope="col">Serving until</th><th scope="col">Status</th><th scope="col">Serving settings</th><th scope="col">Reason</th><th scope="col">Examples</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="10">Nothing applied yet.</td></tr>`}</tbody></table>
</section>`;
}
