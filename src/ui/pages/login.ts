// The login form: an API key or the daemon's admin token (from .slipway/daemon.json).
import { html } from '../html.ts';
import { layout } from './layout.ts';

export function renderLogin(opts: { loginToken: string; error?: string; next?: string }): string {
  const main = html`<h1>Log in</h1>
<form method="post" action="/login" class="login">
  <input type="hidden" name="login" value="${opts.loginToken}">
  <input type="hidden" name="next" value="${opts.next ?? '/'}">
  <label for="key">API key or admin token</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
  <p class="hint">The admin token is in <code>.slipway/daemon.json</code>; API keys come from <code>slipway keys create</code>.</p>
  ${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
  <button type="submit">Log in</button>
</form>`;
  return layout({ title: 'Log in', viewer: null, main }).text;
}
