// The model page's "What was live when": every deployment with who applied it and when it served,
// and a form asking which one served at an instant (answered by the server, so it works without
// scripts). Pure: from the HistoryView (src/ui/history-view.ts) to markup.
import { html, type Html } from '../html.ts';
import { formatTime } from '../format.ts';
import type { AtAnswer, HistoryView } from '../history-view.ts';
import type { TimelineEntry } from '../../history/timeline.ts';

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

/** The section, for the model `name`. */
export function renderHistory(name: string, view: HistoryView): Html {
  const liveId = view.at?.ok ? (view.at.live?.deploymentId ?? null) : null;
  const rows = view.entries.map(
    (e) => html`<tr${e.deploymentId === liveId ? html` class="live-at" aria-current="true"` : ''}><th scope="row">#${e.deploymentId}</th><td>#${e.build}</td><td><code${e.commit ? html` title="${e.commit}"` : ''}>${short(e.commit)}</code></td>
${actorCell(e)}<td>${e.servedFrom === null ? 'never served' : formatTime(e.servedFrom)}</td><td>${e.servedFrom === null ? '—' : e.servedUntil === null ? 'now' : formatTime(e.servedUntil)}</td><td>${e.status}${e.state === 'stopped' ? ' (stopped)' : ''}</td></tr>`,
  );
  return html`<section aria-labelledby="history-title" id="history"><h2 id="history-title">What was live when</h2>
<form method="get" action="/ui/models/${encodeURIComponent(name)}#history" class="live-at-form">
<label for="live-at">Instant (UTC)</label>
<input id="live-at" name="at" type="datetime-local" step="0.001" value="${inputValue(view.at)}" required>
<button type="submit">Which served then?</button>
</form>
${view.at ? answer(name, view.at) : ''}
<table class="timeline"><caption>Every deployment of ${name}, oldest first, with when it took traffic (UTC)</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Build</th><th scope="col">Commit</th><th scope="col">Applied by</th><th scope="col">Serving from</th><th scope="col">Serving until</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="7">Nothing applied yet.</td></tr>`}</tbody></table>
</section>`;
}
