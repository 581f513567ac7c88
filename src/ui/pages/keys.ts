// The keys page (admins): API keys with name, prefix, scope, expiry and last use; create, revoke.
import { html } from '../html.ts';
import { formatTime } from '../format.ts';
import { layout, type Viewer } from './layout.ts';

export type KeyRow = {
  id: number;
  name: string;
  prefix: string;
  models: string[] | null;
  expiresAt: string;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
};

/** `created`: a key made by this request, shown once. */
export type KeysData = { viewer: Viewer; keys: KeyRow[]; created?: { id: number; key: string } | null; error?: string };

export function renderKeys(data: KeysData): string {
  const csrf = data.viewer.csrf;
  const rows = data.keys.map(
    (k) => html`<tr data-key-id="${k.id}">
  <td class="num">#${k.id}</td><th scope="row">${k.name}</th><td><code>${k.prefix}…</code></td>
  <td>${k.models ? k.models.join(', ') : 'every model'}</td><td>${formatTime(k.expiresAt)}</td>
  <td>${k.lastUsedAt ? formatTime(k.lastUsedAt) : 'not since the daemon started'}</td>
  <td><span class="state state-${k.status}">${k.status}</span></td>
  <td>${k.status === 'active'
    ? html`<form method="post" action="/ui/keys/${k.id}/revoke" data-confirm="Revoke API key #${k.id} (${k.name})? Calls with it fail at once.">
    <input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="danger">Revoke</button></form>`
    : ''}</td>
</tr>`,
  );
  const main = html`<h1>API keys</h1>
${data.created
  ? html`<section class="created" role="status"><h2>API key #${data.created.id} created</h2>
<p>Copy it now: it is shown only once, and Slipway keeps only its hash.</p>
<p><code id="created-key">${data.created.key}</code></p></section>`
  : ''}
${data.error ? html`<p class="error" role="alert">${data.error}</p>` : ''}
<table class="keys">
<caption>Keys are stored as hashes; only their first characters are shown</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scope</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="8">No API keys yet.</td></tr>`}</tbody>
</table>
<section aria-labelledby="new-key"><h2 id="new-key">Create an API key</h2>
<form method="post" action="/ui/keys" class="fields" data-confirm="Create this API key?">
  <input type="hidden" name="csrf" value="${csrf}">
  <div><label for="key-name">Name</label><input id="key-name" name="name" required value="dashboard"></div>
  <div><label for="key-expires">Expires in</label><input id="key-expires" name="expires" value="1y" aria-describedby="expires-hint">
  <span id="expires-hint" class="hint">like 90d, 12h, 1y</span></div>
  <div><label for="key-models">Models</label><input id="key-models" name="models" placeholder="all models" aria-describedby="models-hint">
  <span id="models-hint" class="hint">comma-separated; empty for every model</span></div>
  <div><button type="submit">Create</button></div>
</form></section>`;
  return layout({ title: 'API keys', viewer: data.viewer, main, current: 'keys' }).text;
}
