// The web dashboard's routes on the daemon's port: `/` (overview), `/login`, `/logout`, and
// everything under `/ui/`. Thin: check the session (and the CSRF token on every POST), read
// through page-data.ts, render, answer. Actions call the same daemon functions as the admin API
// and the CLI (deployer.stopLive / startLive, rotateAccessKey, createApiKey, revokeApiKey; a
// rollout's promote goes through the admin API itself), and each is recorded in the store with who did it.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeAccessKey } from '../backends/local/access-key-file.ts';
import { modelCrn } from '../backends/local/deployment-crn.ts';
import { rotateAccessKey } from '../keys/access-keys.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../keys/api-keys.ts';
import { parseDuration } from '../keys/duration.ts';
import { readSamples } from '../store/tech-samples.ts';
import { recordUiAction } from '../store/ui-actions.ts';
import { isRange, RANGE_MS, RANGE_STEP, technicalCharts, trackedCharts, type ChartRange, type TrackedEntry } from './charts.ts';
import type { ExampleInputs } from './example-inputs.ts';
import type { KeyUse } from './key-use.ts';
import { principalFor, stillValid } from './login.ts';
import { modelPage, overviewModels, type DaemonParts, type Scope } from './page-data.ts';
import { renderKeys } from './pages/keys.ts';
import type { Viewer } from './pages/layout.ts';
import { renderLogin } from './pages/login.ts';
import { renderModel } from './pages/model.ts';
import { renderOverview } from './pages/overview.ts';
import { followLine } from '../follow/follow-summary.ts';
import { localHistory } from '../history/local-records.ts';
import { historyView } from './history-view.ts';
import { asset, html, json, readBody, readForm, relayInputSchema, relayTestCall, safeNext, send } from './http-answers.ts';
import { checkMethod, logOut, requireSession } from './session-gate.ts';
import { cookie, createSessions, LOGIN_COOKIE, parseCookies, sameSecret, SESSION_COOKIE, type Session, type Sessions } from './session.ts';

export type DashboardDeps = DaemonParts & {
  /** The daemon's admin token: logs in as admin; used for the admin session's test calls. */
  token: string;
  reloadKeys(): void;
  keyUse: KeyUse;
  /** Sessions (the daemon's are saved in its store); default: in memory only. */
  sessions?: Sessions;
  exampleInputs: ExampleInputs;
  log(line: string): void;
  now?: () => number;
};

export type Dashboard = {
  /** Whether `url` is the dashboard's (the daemon then gives it the request). */
  owns(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

export function createDashboard(deps: DashboardDeps): Dashboard {
  const sessions = deps.sessions ?? createSessions();
  const now = deps.now ?? Date.now;

  function viewerOf(s: Session): Viewer {
    const p = s.principal;
    return { label: p.kind === 'admin' ? 'admin token' : `API key ${p.prefix}… (${p.name})`, admin: p.kind === 'admin', csrf: s.csrf };
  }
  const scopeOf = (s: Session): Scope => (s.principal.kind === 'admin' ? null : s.principal.models);
  const actorOf = (s: Session): string => (s.principal.kind === 'admin' ? 'dashboard (admin token)' : `dashboard (API key #${s.principal.id} ${s.principal.name})`);

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const loginToken = randomBytes(18).toString('base64url');
      return send(res, 200, 'text/html; charset=utf-8', renderLogin({ loginToken, next: safeNext(url.searchParams.get('next')) }), {
        'set-cookie': cookie(LOGIN_COOKIE, loginToken, 600),
      });
    }
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use GET or POST');
    const form = await readForm(req);
    const expected = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
    // Double-submit token: a cross-site form cannot read the cookie to echo it.
    if (!form || !expected || !sameSecret(form.get('login'), expected)) return send(res, 403, 'text/plain', 'the login form expired or came from another site; reload /login');
    const result = principalFor(deps.store, deps.token, form.get('key') ?? '', now());
    if (!result.ok) {
      const loginToken = randomBytes(18).toString('base64url');
      return send(res, 401, 'text/html; charset=utf-8', renderLogin({ loginToken, error: result.message, next: safeNext(form.get('next') ?? null) }), {
        'set-cookie': cookie(LOGIN_COOKIE, loginToken, 600),
      });
    }
    const session = sessions.create(result.principal, now());
    res.writeHead(303, { location: safeNext(form.get('next') ?? null), 'set-cookie': [cookie(SESSION_COOKIE, session.id), cookie(LOGIN_COOKIE, '', 0)] });
    res.end();
  }


  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const p = url.pathname;
    if (p.startsWith('/ui/assets/')) return asset(res, p.slice('/ui/assets/'.length));
    if (p === '/login') return login(req, res, url);
    const session = requireSession(sessions, (principal, at) => stillValid(deps.store, principal, at), now(), req, res, url);
    if (!session) return;
    // Every state-changing request echoes the session's CSRF token (form field or header).
    const checked = await checkMethod(req, res, session);
    if (!checked) return;
    const { form } = checked;
    if (p === '/logout' && req.method === 'POST') return logOut(res, sessions, session);
    if (p === '/' && req.method === 'GET') {
      return html(res, renderOverview({ viewer: viewerOf(session), models: overviewModels(deps, scopeOf(session), now()), follow: followLine(deps.root) }));
    }
    if (p === '/ui/keys') {
      if (session.principal.kind !== 'admin') return json(res, 403, { error: 'only the admin token manages keys' });
      if (req.method === 'GET') return keysPage(res, session);
      return createKey(res, session, form!);
    }
    const keyAction = /^\/ui\/keys\/(\d+)\/revoke$/.exec(p);
    if (keyAction && req.method === 'POST') {
      if (session.principal.kind !== 'admin') return json(res, 403, { error: 'only the admin token manages keys' });
      const id = Number(keyAction[1]);
      if (!revokeApiKey(deps.store, id)) return keysPage(res, session, undefined, `no API key #${id}`);
      deps.reloadKeys();
      sessions.endKey(id);
      record(session, 'revoke API key', null, `#${id}`);
      res.writeHead(303, { location: '/ui/keys' }).end();
      return;
    }
    const m = /^\/ui\/(api\/)?models\/([^/]+)(?:\/([a-z-]+))?$/.exec(p);
    if (m) {
      const name = decodeURIComponent(m[2]!);
      const scope = scopeOf(session);
      if (scope !== null && !scope.includes(name)) return json(res, 404, { error: `no model ${name} for this key` });
      return modelRoute(req, res, url, session, name, m[1] === 'api/' ? `api/${m[3] ?? ''}` : (m[3] ?? ''));
    }
    return json(res, 404, { error: `no dashboard page at ${p}` });
  }

  async function modelRoute(req: IncomingMessage, res: ServerResponse, url: URL, session: Session, name: string, what: string): Promise<void> {
    const route = `${req.method} ${what}`;
    if (route === 'GET ') {
      const data = modelPage(deps, name, scopeOf(session));
      if (!data) return json(res, 404, { error: `no model ${name} is deployed here` });
      const history = historyView(localHistory(deps.store, name), url.searchParams.get('at'));
      return html(res, renderModel({ ...data, viewer: viewerOf(session), exampleInput: await deps.exampleInputs(name), history, now: now() }));
    }
    if (route === 'GET api/series') {
      const range: ChartRange = isRange(url.searchParams.get('range')) ? (url.searchParams.get('range') as ChartRange) : '1h';
      const rows = readSamples(deps.store, { model: name, step: RANGE_STEP[range], fromMs: now() - RANGE_MS[range] });
      return json(res, 200, { range, from: (now() - RANGE_MS[range]) / 1000, to: now() / 1000, charts: technicalCharts(rows) });
    }
    if (route === 'GET api/logs') {
      const replicaId = url.searchParams.get('replica') || undefined;
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const lines = deps.supervisor.logs(name, { replicaId, limit: q ? 2000 : 300 }).filter((l) => !q || l.text.toLowerCase().includes(q)).slice(0, 300);
      return json(res, 200, { lines });
    }
    if (route === 'GET api/tracked') {
      const range: ChartRange = isRange(url.searchParams.get('range')) ? (url.searchParams.get('range') as ChartRange) : '14d';
      const t = now();
      // Read through the metrics API itself, as CML's read_metrics does.
      const answer = await fetch(`${deps.url}/api/v1/metrics?modelCrn=${encodeURIComponent(modelCrn(name))}&startTimestampMs=${t - RANGE_MS[range]}&endTimestampMs=${t}`, {
        // A session restored after a restart has no key: its scope was checked above, so the daemon reads for it.
        headers: { authorization: `Bearer ${bearerOf(session) ?? deps.token}` },
      });
      const body = (await answer.json().catch(() => ({}))) as { metrics?: TrackedEntry[]; message?: string };
      if (!answer.ok) return json(res, answer.status, { error: body.message ?? answer.statusText });
      return json(res, 200, { from: (t - RANGE_MS[range]) / 1000, to: t / 1000, metrics: trackedCharts(body.metrics ?? []) });
    }
    if (route === 'POST call') return testCall(req, res, session, name);
    // The scope was checked above; a session restored after a restart has no key, so the daemon asks for it.
    if (route === 'GET api/schema') return relayInputSchema(res, deps.url, name, bearerOf(session) ?? deps.token);
    if (route === 'POST promote') {
      if (session.principal.kind !== 'admin') return json(res, 403, { error: 'only the admin token can promote a rollout' });
      // Through the admin API, as `slipway promote`: in the apply queue, so it never interleaves with a deploy or a step.
      const answer = await fetch(`${deps.url}/admin/models/${encodeURIComponent(name)}/promote`, { method: 'POST', headers: { authorization: `Bearer ${deps.token}` } });
      const body = (await answer.json().catch(() => ({}))) as { candidateDeploymentId?: number; error?: string };
      record(session, 'promote', name, answer.ok ? `deployment #${body.candidateDeploymentId}` : `failed: ${body.error ?? answer.statusText}`);
      res.writeHead(303, { location: `/ui/models/${encodeURIComponent(name)}` }).end();
      return;
    }
    if (req.method === 'POST' && ['stop', 'start', 'restart', 'rotate-key'].includes(what)) {
      if (session.principal.kind !== 'admin') return json(res, 403, { error: 'only the admin token can stop, start or restart models' });
      try {
        const env = process.env as Record<string, string | undefined>;
        if (what === 'stop' || what === 'restart') await deps.deployer.stopLive(name);
        if (what === 'start' || what === 'restart') await deps.deployer.startLive(name, env);
        if (what === 'rotate-key') {
          writeAccessKey(deps.root, name, rotateAccessKey(deps.store, name));
          deps.reloadKeys();
        }
        record(session, what === 'rotate-key' ? 'regenerate access key' : what, name, null);
      } catch (error) {
        record(session, what, name, `failed: ${(error as Error).message}`);
      }
      res.writeHead(303, { location: `/ui/models/${encodeURIComponent(name)}` }).end();
      return;
    }
    return json(res, 404, { error: `no dashboard route ${req.method} ${url.pathname}` });
  }

  /** The test widget: calls the model through the gateway, as a client would, and times it. */
  async function testCall(req: IncomingMessage, res: ServerResponse, session: Session, name: string): Promise<void> {
    const raw = await readBody(req);
    let input: unknown;
    try {
      input = (JSON.parse(raw ?? '') as { input?: unknown }).input;
    } catch {
      return json(res, 400, { error: 'send {"input": <the model\'s request as JSON>}' });
    }
    const bearer = bearerOf(session);
    if (bearer === null) return json(res, 401, { error: 'the daemon restarted since you logged in, and never keeps your API key: log in again to send test calls with it' });
    return relayTestCall(res, deps.url, name, input, bearer);
  }

  /** The key calls are made with: the admin token, the session's API key, or null when a restart left it behind. */
  function bearerOf(session: Session): string | null {
    return session.principal.kind === 'admin' ? deps.token : session.principal.key;
  }

  function keysPage(res: ServerResponse, session: Session, created?: { id: number; key: string }, error?: string): void {
    const keys = listApiKeys(deps.store, new Date(now())).map((k) => ({ ...k, lastUsedAt: deps.keyUse.lastUsed(k.prefix) }));
    html(res, renderKeys({ viewer: viewerOf(session), keys, created, error }), error ? 400 : 200);
  }

  function createKey(res: ServerResponse, session: Session, form: Map<string, string>): void {
    const name = (form.get('name') ?? '').trim() || 'dashboard';
    const duration = parseDuration((form.get('expires') ?? '').trim() || '1y');
    if (!duration.ok) return keysPage(res, session, undefined, `Expires in: ${duration.error}`);
    const models = (form.get('models') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      const created = createApiKey(deps.store, { name, expiresInMs: duration.ms, models: models.length ? models : undefined }, new Date(now()));
      deps.reloadKeys();
      record(session, 'create API key', null, `#${created.id} ${name}`);
      return keysPage(res, session, { id: created.id, key: created.key });
    } catch (error) {
      return keysPage(res, session, undefined, (error as Error).message);
    }
  }

  function record(session: Session, action: string, model: string | null, detail: string | null): void {
    const actor = actorOf(session);
    recordUiAction(deps.store, { actor, action, model, detail }, new Date(now()));
    deps.log(`${actor}: ${action}${model ? ` ${model}` : ''}${detail ? ` (${detail})` : ''}`);
  }

  return {
    owns: (url) => url === '/' || url.startsWith('/?') || url.startsWith('/ui/') || url.startsWith('/login') || url === '/logout',
    handle,
  };
}
