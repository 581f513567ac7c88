// The web dashboard as the in-cluster gateway serves it: the daemon's pages (src/ui/pages), fed
// from the cluster (records, live Deployments, rollouts on the Services), the gateway's counters
// and the metrics store (technical rows, tracked metrics). The cluster is read once per `stateFreshMs`
// at most, however many pages are open (shared-read.ts). Read-only but for "Promote now" (admin
// only): stopping, starting, keys and access keys are the CLI's on a cluster (they write to the
// cluster under its apply lock). Login with an API key, or with the admin token from the
// `slipway-dashboard` Secret when one is set; sessions and CSRF as on the daemon. Logs are not
// served here: `kubectl logs` reads them where they are kept.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { modelCrn } from '../backends/local/deployment-crn.ts';
import type { ClusterState } from '../backends/kubernetes/observe.ts';
import type { ReplicaStats } from '../gateway/types.ts';
import type { RecentTotals } from '../metrics-store/tech-rows.ts';
import type { StoredApiKey } from '../store/api-keys.ts';
import type { TechRow } from '../store/tech-samples.ts';
import { clusterHistoryRecords } from '../history/cluster-records.ts';
import { isRange, RANGE_MS, RANGE_STEP, technicalCharts, trackedCharts, type ChartRange, type TrackedEntry } from './charts.ts';
import { clusterModelPage, clusterOverviewModels, type LiveRollout, type Unsampled } from './cluster-page-data.ts';
import type { RolloutState } from '../rollouts/rollout-controller.ts';
import { sharedRead } from './shared-read.ts';
import { historyView } from './history-view.ts';
import { asset, html, json, readBody, readForm, relayInputSchema, relayTestCall, safeNext, send } from './http-answers.ts';
import { checkMethod, logOut, requireSession } from './session-gate.ts';
import { principalAmong, stillValidAmong } from './login.ts';
import type { Scope } from './page-data.ts';
import type { Viewer } from './pages/layout.ts';
import { renderLogin } from './pages/login.ts';
import { renderModel } from './pages/model.ts';
import { renderOverview } from './pages/overview.ts';
import { cookie, createSessions, LOGIN_COOKIE, parseCookies, sameSecret, SESSION_COOKIE, type Session } from './session.ts';

export type ClusterDashboardDeps = {
  /** Records, live Deployments and saved rollouts, read when a page is asked for (shared, see `stateFreshMs`). */
  clusterState(): Promise<ClusterState>;
  /** How long one read of the cluster serves every page (default 2 s; 0: every page reads). */
  stateFreshMs?: number;
  /** The rollout this gateway replica drives, when it leads: fresher than the copy saved on the Service. */
  liveRollout?: LiveRollout;
  /** "Promote now": resolves with the rollout as it ended, or rejects saying why it could not. */
  promote(model: string): Promise<RolloutState>;
  stats(): ReplicaStats[];
  unsampled(): Unsampled;
  /** API key rows (hashes) as the gateway holds them. */
  apiKeys(): readonly StoredApiKey[];
  /** The dashboard's admin token (from its Secret), or null: API keys only. */
  adminToken: string | null;
  metricsStore: { url: string; token: string };
  /** Where the test widget sends calls: this gateway, on loopback. */
  gatewayUrl(): string;
  log(line: string): void;
  now?: () => number;
};

export type ClusterDashboard = {
  owns(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The cluster changed (the gateway's watch saw a Service move): the next page reads it again. */
  changed(): void;
};

export function createClusterDashboard(deps: ClusterDashboardDeps): ClusterDashboard {
  const sessions = createSessions();
  const now = deps.now ?? Date.now;
  const clusterState = sharedRead(deps.clusterState, deps.stateFreshMs ?? 2000, now);
  const candidatesFor = (prefix: string) => deps.apiKeys().filter((k) => k.prefix === prefix);
  const store = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${deps.metricsStore.url}${path}`, { headers: { authorization: `Bearer ${deps.metricsStore.token}` } });
    if (!answer.ok) throw new Error(`the metrics store answered ${answer.status} to ${path.split('?')[0]}`);
    return (await answer.json()) as T;
  };
  const viewerOf = (s: Session): Viewer => {
    const p = s.principal;
    return { label: p.kind === 'admin' ? 'admin token' : `API key ${p.prefix}… (${p.name})`, admin: p.kind === 'admin', csrf: s.csrf, readOnly: true, promotes: p.kind === 'admin' };
  };
  const scopeOf = (s: Session): Scope => (s.principal.kind === 'admin' ? null : s.principal.models);

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const form = (loginToken: string, error?: string, next?: string | null) =>
      renderLogin({ loginToken, error, next: safeNext(next ?? null) });
    if (req.method === 'GET') {
      const loginToken = randomBytes(18).toString('base64url');
      return send(res, 200, 'text/html; charset=utf-8', form(loginToken, undefined, url.searchParams.get('next')), { 'set-cookie': cookie(LOGIN_COOKIE, loginToken, 600) });
    }
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use GET or POST');
    const fields = await readForm(req);
    const expected = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
    if (!fields || !expected || !sameSecret(fields.get('login'), expected)) return send(res, 403, 'text/plain', 'the login form expired or came from another site; reload /login');
    const result = principalAmong(candidatesFor, deps.adminToken, fields.get('key') ?? '', now());
    if (!result.ok) {
      const loginToken = randomBytes(18).toString('base64url');
      return send(res, 401, 'text/html; charset=utf-8', form(loginToken, result.message, fields.get('next')), { 'set-cookie': cookie(LOGIN_COOKIE, loginToken, 600) });
    }
    const session = sessions.create(result.principal, now());
    res.writeHead(303, { location: safeNext(fields.get('next') ?? null), 'set-cookie': [cookie(SESSION_COOKIE, session.id), cookie(LOGIN_COOKIE, '', 0)] }).end();
  }


  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const p = url.pathname;
    if (p.startsWith('/ui/assets/')) return asset(res, p.slice('/ui/assets/'.length));
    if (p === '/login') return login(req, res, url);
    const session = requireSession(sessions, (principal, at) => stillValidAmong(candidatesFor, principal, at), now(), req, res, url);
    if (!session) return;
    // Every state-changing request echoes the session's CSRF token (form field or header).
    if (!(await checkMethod(req, res, session))) return;
    if (p === '/logout' && req.method === 'POST') return logOut(res, sessions, session);
    if (p === '/' && req.method === 'GET') {
      const [state, recent] = await Promise.all([clusterState.get(), store<{ models: RecentTotals[] }>(`/tech/recent?fromMs=${now() - 3_600_000}`)]);
      return html(res, renderOverview({ viewer: viewerOf(session), models: clusterOverviewModels(state, recent.models, deps.unsampled(), scopeOf(session), deps.liveRollout) }));
    }
    const m = /^\/ui\/(api\/)?models\/([^/]+)(?:\/([a-z-]+))?$/.exec(p);
    if (m) {
      const name = decodeURIComponent(m[2]!);
      const scope = scopeOf(session);
      if (scope !== null && !scope.includes(name)) return json(res, 404, { error: `no model ${name} for this key` });
      return modelRoute(req, res, url, session, name, `${req.method} ${m[1] === 'api/' ? `api/${m[3] ?? ''}` : (m[3] ?? '')}`);
    }
    if (p === '/ui/keys') return json(res, 404, { error: 'keys are managed with `slipway keys --target …` on a cluster' });
    return json(res, 404, { error: `no dashboard page at ${p}` });
  }

  async function modelRoute(req: IncomingMessage, res: ServerResponse, url: URL, session: Session, name: string, route: string): Promise<void> {
    if (route === 'GET ') {
      const state = await clusterState.get();
      const data = clusterModelPage(state, deps.stats(), name, scopeOf(session), `${deps.gatewayUrl()}/model`, deps.liveRollout);
      if (!data) return json(res, 404, { error: `no model ${name} is deployed on this cluster` });
      const history = historyView(clusterHistoryRecords(state, name), url.searchParams.get('at'));
      return html(res, renderModel({ ...data, viewer: viewerOf(session), exampleInput: {}, history, now: now() }));
    }
    if (route === 'POST promote') return promote(res, session, name);
    if (route === 'GET api/series') {
      const range: ChartRange = isRange(url.searchParams.get('range')) ? (url.searchParams.get('range') as ChartRange) : '1h';
      const t = now();
      const { rows } = await store<{ rows: TechRow[] }>(`/tech?model=${encodeURIComponent(name)}&step=${RANGE_STEP[range]}&fromMs=${t - RANGE_MS[range]}`);
      return json(res, 200, { range, from: (t - RANGE_MS[range]) / 1000, to: t / 1000, charts: technicalCharts(rows) });
    }
    if (route === 'GET api/logs') return json(res, 200, { lines: [], note: `replica logs are the cluster's: kubectl logs -l app.kubernetes.io/instance=${name}` });
    if (route === 'GET api/tracked') {
      const range: ChartRange = isRange(url.searchParams.get('range')) ? (url.searchParams.get('range') as ChartRange) : '14d';
      const t = now();
      const body = await store<{ metrics: TrackedEntry[] }>(`/api/v1/metrics?modelCrn=${encodeURIComponent(modelCrn(name))}&startTimestampMs=${t - RANGE_MS[range]}&endTimestampMs=${t}`);
      return json(res, 200, { from: (t - RANGE_MS[range]) / 1000, to: t / 1000, metrics: trackedCharts(body.metrics) });
    }
    if (route === 'POST call') return testCall(req, res, session, name);
    // As the test call: the admin token is not an API key, so it sees no schema here.
    if (route === 'GET api/schema') return relayInputSchema(res, deps.gatewayUrl(), name, session.principal.kind === 'api-key' ? session.principal.key : null);
    return json(res, 404, { error: `no dashboard route ${req.method} ${url.pathname} on a cluster (it is read-only but for promote: use the CLI with --target)` });
  }

  /** "Promote now": the admin token only (an API key is a viewer); CSRF was checked with the session. */
  async function promote(res: ServerResponse, session: Session, name: string): Promise<void> {
    if (session.principal.kind !== 'admin') return json(res, 403, { error: 'only the admin token can promote a rollout' });
    let ended: RolloutState;
    try {
      ended = await deps.promote(name);
    } catch (error) {
      return json(res, 409, { error: `cannot promote ${name}: ${(error as Error).message}` });
    }
    clusterState.invalidate();
    deps.log(`dashboard: the admin token promoted ${name}: deployment #${ended.candidateDeploymentId} ${ended.outcome}${ended.reason ? ` (${ended.reason})` : ''}`);
    if (ended.outcome !== 'promoted') return json(res, 409, { error: `${name}: the ${ended.strategy} of deployment #${ended.candidateDeploymentId} ${ended.outcome}${ended.reason ? `: ${ended.reason}` : ''}` });
    res.writeHead(303, { location: `/ui/models/${encodeURIComponent(name)}` }).end();
  }

  /** The test widget: a call through this gateway with the session's API key, timed. */
  async function testCall(req: IncomingMessage, res: ServerResponse, session: Session, name: string): Promise<void> {
    let input: unknown;
    try {
      input = (JSON.parse((await readBody(req)) ?? '') as { input?: unknown }).input;
    } catch {
      return json(res, 400, { error: 'send {"input": <the model\'s request as JSON>}' });
    }
    // The admin token is not an API key: its test calls reach models that need none.
    return relayTestCall(res, deps.gatewayUrl(), name, input, session.principal.kind === 'api-key' ? session.principal.key : null);
  }

  return {
    owns: (url) => url === '/' || url.startsWith('/?') || url.startsWith('/ui/') || url.startsWith('/login') || url === '/logout',
    handle,
    changed: () => clusterState.invalidate(),
  };
}
