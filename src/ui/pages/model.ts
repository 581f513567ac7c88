// A model's page: actions, a rollout in progress, replicas, charts, logs, tracked metrics, test
// widget, sample code, builds, and its deployments with what was live when. Charts, logs and
// tracked metrics are filled by dashboard.js from the JSON routes; everything else is here.
import { html, jsonScript, type Html } from '../html.ts';
import { formatTime } from '../format.ts';
import type { HistoryView } from '../history-view.ts';
import { sampleCode } from '../sample-code.ts';
import { renderHistory, type GateRow } from './history-section.ts';
import { renderRollout } from './rollout-section.ts';
import type { RolloutState } from '../../rollouts/rollout-controller.ts';
import { layout, type Viewer } from './layout.ts';

export type ReplicaRow = {
  id: string; state: string; pid: number | null;
  received: number; processed: number; success: number; failure: number; error: number; busy: number; restarts: number;
};

export type BuildRow = {
  number: number; key: string; gitCommit: string | null; status: string;
  startedAt: string; finishedAt: string | null; logTail: string | null;
};

export type DeploymentRow = {
  id: number; build: number; status: string; state: string; actor: string | null; gitCommit: string | null;
  reason: string | null; startedAt: string; stoppedAt: string | null;
  /** Serving settings, as shown: env variables by name only, never values. */
  serving: { replicas: number; cpu: string | null; memory: string | null; gpu: number; concurrency: number; timeoutSeconds: number; auth: boolean; env: string[] };
  /** The examples it answered before taking traffic; absent when it was not gated (or the backend does not say). */
  gate?: GateRow;
};

export type { GateRow };

export type ActionRow = { at: string; actor: string; action: string; detail: string | null };

export type ModelPageData = {
  viewer: Viewer;
  name: string;
  state: string;
  deploymentId: number | null;
  auth: boolean;
  endpoint: string;
  /** The model's own access key (the only key any page shows), or null when unknown here. */
  accessKey: string | null;
  exampleInput: unknown;
  replicas: ReplicaRow[];
  builds: BuildRow[];
  deployments: DeploymentRow[];
  actions: ActionRow[];
  /** "What was live when": the timeline and the answer to the page's `?at=` form. */
  history: HistoryView;
  /** A canary or shadow in progress, else the last one finished (since the daemon started; on a cluster, as its Service keeps it). */
  rollout?: RolloutState | null;
  /** For "next step in N s"; default Date.now(). */
  now?: number;
};

function actionForm(name: string, csrf: string, action: string, label: string, confirm: string, danger = false): Html {
  return html`<form method="post" action="/ui/models/${encodeURIComponent(name)}/${action}" data-confirm="${confirm}" class="inline">
<input type="hidden" name="csrf" value="${csrf}"><button type="submit"${danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

const RANGES = ['1h', '24h', '7d', '14d'];

export function renderModel(d: ModelPageData): string {
  const csrf = d.viewer.csrf;
  const name = d.name;
  const code = d.accessKey ? sampleCode({ endpoint: d.endpoint, accessKey: d.accessKey, auth: d.auth, input: d.exampleInput }) : null;
  const main = html`<h1>${name} <span class="state state-${d.state}">${d.state}</span></h1>
${d.viewer.admin && !d.viewer.readOnly
  ? html`<section aria-label="Actions" class="actions">
${actionForm(name, csrf, 'stop', 'Stop', `Stop ${name}? Its replicas stop; calls get 503 until it starts again.`, true)}
${actionForm(name, csrf, 'start', 'Start', `Start ${name}?`)}
${actionForm(name, csrf, 'restart', 'Restart', `Restart every replica of ${name}?`)}
${actionForm(name, csrf, 'rotate-key', 'Regenerate access key', `Regenerate the access key of ${name}? The current key stops working at once.`, true)}
</section>`
  : ''}
${renderRollout(name, d.rollout, d.viewer, d.now ?? Date.now())}
<section aria-labelledby="access"><h2 id="access">Endpoint</h2>
<dl class="facts"><div><dt>Endpoint</dt><dd><code>${d.endpoint}</code></dd></div>
<div><dt>Access key</dt><dd>${d.accessKey ? html`<code id="access-key">${d.accessKey}</code>` : 'not known on this machine (see slipway keys rotate)'}</dd></div>
<div><dt>API key needed</dt><dd>${d.auth ? 'yes' : 'no'}</dd></div></dl>
</section>

<section aria-labelledby="replicas"><h2 id="replicas">Replicas</h2>
<table class="replicas"><thead><tr><th scope="col">Replica</th><th scope="col">State</th><th scope="col" class="num">PID</th><th scope="col" class="num">Received</th><th scope="col" class="num">Processed</th><th scope="col" class="num">Success</th><th scope="col" class="num">Failure</th><th scope="col" class="num">Error</th><th scope="col" class="num">Busy (429)</th><th scope="col" class="num">Restarts</th></tr></thead>
<tbody>${d.replicas.length
  ? d.replicas.map((r) => html`<tr><th scope="row"><code>${r.id}</code></th><td>${r.state}</td><td class="num">${r.pid ?? '—'}</td><td class="num">${r.received}</td><td class="num">${r.processed}</td><td class="num">${r.success}</td><td class="num">${r.failure}</td><td class="num">${r.error}</td><td class="num">${r.busy}</td><td class="num">${r.restarts}</td></tr>`)
  : html`<tr><td colspan="10">No replica runs.</td></tr>`}</tbody></table>
</section>

<section aria-labelledby="charts-title" id="charts" data-model="${name}"><h2 id="charts-title">Technical metrics</h2>
<div role="group" aria-label="Time range" class="ranges">${RANGES.map((r) => html`<button type="button" data-range="${r}" aria-pressed="${r === '1h' ? 'true' : 'false'}">${r}</button>`)}</div>
<div class="chart-grid" id="chart-grid"><p class="hint">Loading charts…</p></div>
</section>

<section aria-labelledby="widget-title"><h2 id="widget-title">Test</h2>
<form id="test-widget" data-model="${name}" class="widget">
<label for="test-input">Request (JSON)</label>
<textarea id="test-input" name="input" rows="4" spellcheck="false">${JSON.stringify(d.exampleInput ?? {}, null, 2)}</textarea>
<details id="test-schema" hidden><summary>Input schema (GET /openapi.json)</summary><pre><code id="test-schema-text"></code></pre></details>
<button type="submit">Send</button>
<p>Answer <span id="test-latency" class="hint"></span></p>
<output id="test-output" for="test-input" aria-live="polite"></output>
</form>
</section>

${code
  ? html`<section aria-labelledby="code-title"><h2 id="code-title">Call it from code</h2>
<p class="hint">Replace <code>YOUR_API_KEY</code> with an API key${d.auth ? '' : ' (this model needs none)'}.</p>
<details open><summary>Shell (curl)</summary><pre><code>${code.curl}</code></pre></details>
<details><summary>Python (requests)</summary><pre><code>${code.python}</code></pre></details>
<details><summary>R (httr)</summary><pre><code>${code.r}</code></pre></details>
</section>`
  : ''}

<section aria-labelledby="logs-title" id="logs" data-model="${name}"><h2 id="logs-title">Logs</h2>
<div class="log-controls">
<label for="log-replica">Replica</label>
<select id="log-replica"><option value="">all replicas</option>${d.replicas.map((r) => html`<option value="${r.id}">${r.id}</option>`)}</select>
<label for="log-filter">Filter</label><input id="log-filter" type="search" placeholder="text in the line">
<label><input id="log-follow" type="checkbox"> Follow live</label>
</div>
<ol id="log-lines" class="log" aria-live="off"></ol>
</section>

<section aria-labelledby="tracked-title" id="tracked" data-model="${name}"><h2 id="tracked-title">Tracked model metrics</h2>
<div id="tracked-body"><p class="hint">Loading…</p></div>
</section>

<section aria-labelledby="builds-title"><h2 id="builds-title">Builds</h2>
<table><thead><tr><th scope="col">Build</th><th scope="col">Key</th><th scope="col">Commit</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Finished</th><th scope="col">Log</th></tr></thead>
<tbody>${d.builds.map((b) => html`<tr><th scope="row">#${b.number}</th><td><code title="${b.key}">${b.key.slice(0, 12)}</code></td><td><code>${b.gitCommit ? b.gitCommit.slice(0, 10) : '—'}</code></td><td>${b.status}</td><td>${formatTime(b.startedAt)}</td><td>${formatTime(b.finishedAt)}</td>
<td>${b.logTail ? html`<details><summary>log</summary><pre>${b.logTail}</pre></details>` : '—'}</td></tr>`)}</tbody></table>
</section>

${renderHistory(name, d.history, d.deployments)}

${d.actions.length
  ? html`<section aria-labelledby="actions-title"><h2 id="actions-title">Actions from the dashboard</h2>
<table><thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Detail</th></tr></thead>
<tbody>${d.actions.map((a) => html`<tr><td>${formatTime(a.at)}</td><td>${a.actor}</td><td>${a.action}</td><td>${a.detail ?? ''}</td></tr>`)}</tbody></table></section>`
  : ''}
${jsonScript('model-data', { name, ranges: RANGES })}`;
  return layout({ title: name, viewer: d.viewer, main, scripts: true, current: 'model' }).text;
}
