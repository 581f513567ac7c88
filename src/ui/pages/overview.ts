// The overview: every model with its state (and a rollout in progress), build, deployment,
// replicas, last hour's calls, error rate and p95, and (for admins) what all models requested.
import { html, type Html } from '../html.ts';
import { cpuCores, formatBytes, formatMs, formatPercent, memoryBytes } from '../format.ts';
import { layout, type Viewer } from './layout.ts';

export type OverviewModel = {
  name: string;
  state: string;
  build: number | null;
  deploymentId: number | null;
  readyReplicas: number;
  wantedReplicas: number;
  callsLastHour: number;
  failedLastHour: number;
  p95Ms: number | null;
  cpu: string | null;
  memory: string | null;
  gpu: number;
  /** A canary or shadow in progress, as said: "canary 25 % (step 1/3)", "shadow"; absent or null with none. */
  rollout?: string | null;
};

/** `follow`: one line on the branch the daemon follows (src/follow/), failing fetches included; absent when it follows none. */
export type OverviewData = { viewer: Viewer; models: OverviewModel[]; follow?: string | null };

/** What every model asked for together: replicas, and per-replica requests times replicas. */
export function requestedTotals(models: readonly OverviewModel[]): { replicas: number; cpu: number; memoryBytes: number; gpu: number } {
  let replicas = 0, cpu = 0, memory = 0, gpu = 0;
  for (const m of models) {
    replicas += m.wantedReplicas;
    cpu += cpuCores(m.cpu) * m.wantedReplicas;
    memory += memoryBytes(m.memory) * m.wantedReplicas;
    gpu += m.gpu * m.wantedReplicas;
  }
  return { replicas, cpu, memoryBytes: memory, gpu };
}

/** A total no model asked for: "0 cores" would read as a limit of nothing. */
const NONE = html`<span class="none">none requested</span>`;

function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

export function renderOverview(data: OverviewData): string {
  const totals = requestedTotals(data.models);
  const rows = data.models.map(
    (m) => html`<tr>
  <th scope="row"><a href="/ui/models/${encodeURIComponent(m.name)}">${m.name}</a></th>
  <td>${stateBadge(m.state)}${m.rollout ? html` <span class="state state-rollout" data-rollout>${m.rollout}</span>` : ''}</td>
  <td class="num">${m.build === null ? '—' : `#${m.build}`}</td>
  <td class="num">${m.deploymentId === null ? '—' : `#${m.deploymentId}`}</td>
  <td class="num">${m.readyReplicas} / ${m.wantedReplicas}</td>
  <td class="num">${m.callsLastHour}</td>
  <td class="num">${formatPercent(m.failedLastHour, m.callsLastHour)}</td>
  <td class="num">${formatMs(m.p95Ms)}</td>
</tr>`,
  );
  const main = html`<h1>Models</h1>
${data.follow ? html`<p class="follow">${data.follow}</p>` : ''}
<table class="models">
<caption>${data.models.length} model${data.models.length === 1 ? '' : 's'}; calls, errors and p95 over the last hour</caption>
<thead><tr><th scope="col">Model</th><th scope="col">State</th><th scope="col" class="num">Build</th><th scope="col" class="num">Deployment</th><th scope="col" class="num">Replicas ready / wanted</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Error rate</th><th scope="col" class="num">p95</th></tr></thead>
<tbody>
${rows.length ? rows : html`<tr><td colspan="8">No model is deployed yet: run <code>slipway apply</code>.</td></tr>`}
</tbody>
</table>
${data.viewer.admin
  ? html`<section aria-labelledby="totals"><h2 id="totals">Requested by all models</h2>
<dl class="totals">
<div><dt>Replicas</dt><dd>${totals.replicas}</dd></div>
<div><dt>CPU</dt><dd>${totals.cpu === 0 ? NONE : `${Number(totals.cpu.toFixed(3))} cores`}</dd></div>
<div><dt>Memory</dt><dd>${totals.memoryBytes === 0 ? NONE : formatBytes(totals.memoryBytes)}</dd></div>
<div><dt>GPU</dt><dd>${totals.gpu === 0 ? NONE : totals.gpu}</dd></div>
</dl></section>`
  : ''}`;
  return layout({ title: 'Models', viewer: data.viewer, main, current: 'overview' }).text;
}
