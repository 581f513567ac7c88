// The frame every dashboard page shares: head, navigation, who is logged in, a logout form.
import { html, type Html } from '../html.ts';

export type Viewer = {
  /** What the session logged in with, as shown: "admin token" or "API key slw_ab12 (ci)". */
  label: string;
  admin: boolean;
  csrf: string;
  /** The in-cluster dashboard: no actions and no keys page (the cluster's CLI does those). */
  readOnly?: boolean;
  /** On the read-only in-cluster dashboard: its admin may still promote a rollout ("Promote now"). */
  promotes?: boolean;
};

/** A full HTML document around `main`. `scripts` adds the chart library and the page script. */
export function layout(opts: { title: string; viewer: Viewer | null; main: Html; scripts?: boolean; current?: 'overview' | 'keys' | 'model' }): Html {
  const v = opts.viewer;
  const nav = v
    ? html`<nav aria-label="Main"><a href="/" class="brand">Slipway</a>
  <a href="/"${opts.current === 'overview' ? html` aria-current="page"` : ''}>Models</a>
  ${v.admin && !v.readOnly ? html`<a href="/ui/keys"${opts.current === 'keys' ? html` aria-current="page"` : ''}>Keys</a>` : ''}
  <span class="who">${v.label}</span>
  <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${v.csrf}"><button type="submit">Log out</button></form>
</nav>`
    : html`<nav aria-label="Main"><span class="brand">Slipway</span></nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${v ? html`<meta name="csrf-token" content="${v.csrf}">` : ''}
<title>${opts.title} · Slipway</title>
<link rel="stylesheet" href="/ui/assets/style.css">
${opts.scripts ? html`<link rel="stylesheet" href="/ui/assets/uPlot.min.css">
<script src="/ui/assets/uPlot.iife.min.js" defer></script>
<script src="/ui/assets/dashboard.js" defer></script>` : v ? html`<script src="/ui/assets/dashboard.js" defer></script>` : ''}
</head>
<body>
<header>${nav}</header>
<main>
${opts.main}
</main>
</body>
</html>
`;
}
