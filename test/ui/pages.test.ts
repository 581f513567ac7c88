// The dashboard's pages and chart data as pure functions of plain values: what a person reads,
// escaping, totals, and that secrets never get in (env values, API keys).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { technicalCharts, trackedCharts } from '../../src/ui/charts.ts';
import { html, raw } from '../../src/ui/html.ts';
import { renderKeys } from '../../src/ui/pages/keys.ts';
import { renderLogin } from '../../src/ui/pages/login.ts';
import { renderModel, type ModelPageData } from '../../src/ui/pages/model.ts';
import { renderOverview, requestedTotals, type OverviewModel } from '../../src/ui/pages/overview.ts';
import { sampleCode } from '../../src/ui/sample-code.ts';
import { historyView } from '../../src/ui/history-view.ts';
import { cookie, createSessions, parseCookies } from '../../src/ui/session.ts';
import type { TechRow } from '../../src/store/tech-samples.ts';

const admin = { label: 'admin token', admin: true, csrf: 'csrf-token-1' };
const reader = { label: 'API key slw_abcd1234… (ci)', admin: false, csrf: 'csrf-token-2' };

function model(name: string, extra: Partial<OverviewModel> = {}): OverviewModel {
  return {
    name, state: 'running', build: 2, deploymentId: 7, readyReplicas: 2, wantedReplicas: 2, callsLastHour: 200,
    failedLastHour: 5, p95Ms: 12.3, cpu: '500m', memory: '256Mi', gpu: 0, ...extra,
  };
}

test('html escapes interpolated text and keeps nested templates', () => {
  const name = '<script>alert("x")</script>';
  assert.is(html`<td>${name}</td>`.text, '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
  assert.is(html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text, '<ul><li>a</li><li>b</li></ul>');
  assert.is(html`${raw('<b>')}`.text, '<b>');
});

test('overview: a row per model with state, build, deployment, replicas, calls, error rate and p95; admin totals', () => {
  const page = renderOverview({ viewer: admin, models: [model('iris'), model('<b>x</b>', { state: 'stopped', readyReplicas: 0, callsLastHour: 0, p95Ms: null, cpu: '2', memory: '1Gi', gpu: 1, wantedReplicas: 1 })] });
  assert.match(page, '<a href="/ui/models/iris">iris</a>');
  assert.match(page, /<td class="num">#2<\/td>\s*<td class="num">#7<\/td>\s*<td class="num">2 \/ 2<\/td>\s*<td class="num">200<\/td>\s*<td class="num">2.5 %<\/td>\s*<td class="num">12 ms<\/td>/);
  assert.match(page, '&lt;b&gt;x&lt;/b&gt;');
  assert.not.match(page, '<b>x</b>');
  assert.match(page, /<dt>CPU<\/dt><dd>3 cores<\/dd>/);
  assert.match(page, /<dt>Memory<\/dt><dd>1.5 GiB<\/dd>/);
  assert.equal(requestedTotals([model('a'), model('b', { gpu: 1, wantedReplicas: 3 })]), { replicas: 5, cpu: 2.5, memoryBytes: 5 * 256 * 2 ** 20, gpu: 3 });
  assert.not.match(renderOverview({ viewer: reader, models: [model('iris')] }), 'Requested by all models', 'totals are for admins');
  const unrequested = renderOverview({ viewer: admin, models: [model('iris', { cpu: null, memory: null })] });
  for (const total of ['CPU', 'Memory', 'GPU']) assert.match(unrequested, `<dt>${total}</dt><dd><span class="none">none requested</span></dd>`);
  assert.match(unrequested, '<dt>Replicas</dt><dd>2</dd>');
});

const modelData: ModelPageData = {
  viewer: admin, name: 'iris', state: 'running', deploymentId: 7, auth: true, endpoint: 'http://127.0.0.1:8700/model',
  accessKey: 'abcdefghijklmnopqrstuvwxyz012345', exampleInput: { petal_length: 5.4 },
  replicas: [{ id: 'iris-7-1-aaaa', state: 'ready', pid: 42, received: 10, processed: 10, success: 8, failure: 1, error: 1, busy: 3, restarts: 1 }],
  builds: [{ number: 2, key: 'f'.repeat(64), gitCommit: 'c'.repeat(40), status: 'succeeded', startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:00:05.000Z', logTail: 'pip install <ok>' }],
  deployments: [{ id: 7, build: 2, status: 'active', state: 'running', actor: 'ci', gitCommit: 'c'.repeat(40), reason: null, startedAt: '2026-12-01T10:00:06.000Z', stoppedAt: null,
    serving: { replicas: 2, cpu: '500m', memory: '256Mi', gpu: 0, concurrency: 1, timeoutSeconds: 30, auth: true, env: ['DB_PASSWORD', 'LOG_LEVEL'] } }],
  actions: [{ at: '2026-12-01T11:00:00.000Z', actor: 'dashboard (admin token)', action: 'stop', detail: null }],
  history: historyView([{ model: 'iris', deploymentId: 7, build: 2, buildKey: null, commit: 'c'.repeat(40), actor: 'ci', state: 'running', status: 'active',
    serving: { replicas: 2, env: ['DB_PASSWORD', 'LOG_LEVEL'] }, reason: 'create: as declared', startedAt: '2026-12-01T10:00:06.000Z', stoppedAt: null }], null),
};

test('model page: replicas like CML, builds with their log, deployments with env names only, actions confirmed', () => {
  const page = renderModel(modelData);
  assert.match(page, /<th scope="row"><code>iris-7-1-aaaa<\/code><\/th><td>ready<\/td><td class="num">42<\/td><td class="num">10<\/td><td class="num">10<\/td><td class="num">8<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">3<\/td><td class="num">1<\/td>/);
  assert.match(page, 'pip install &lt;ok&gt;');
  assert.match(page, '<code>DB_PASSWORD, LOG_LEVEL</code>');
  assert.match(page, /data-confirm="Stop iris\?/);
  assert.match(page, /data-confirm="Regenerate the access key of iris\?/);
  assert.match(page, '<input type="hidden" name="csrf" value="csrf-token-1">');
  assert.match(page, '&quot;petal_length&quot;: 5.4', 'the example is prefilled');
  assert.match(page, 'Bearer YOUR_API_KEY');
  assert.match(page, '<code id="access-key">abcdefghijklmnopqrstuvwxyz012345</code>');
  for (const range of ['1h', '24h', '7d', '14d']) assert.match(page, `data-range="${range}"`);
  assert.not.match(renderModel({ ...modelData, viewer: reader }), 'action="/ui/models/iris/stop"', 'actions are for admins');
});

test('sample code: curl, Python requests and R httr with the access key and a placeholder API key', () => {
  const code = sampleCode({ endpoint: 'http://h/model', accessKey: 'k123', auth: true, input: { a: true, b: null, s: "it's" } });
  assert.match(code.curl, `-d '{"accessKey":"k123","request":{"a":true,"b":null,"s":"it'\\''s"}}'`);
  assert.match(code.curl, "-H 'Authorization: Bearer YOUR_API_KEY'");
  assert.match(code.python, 'json={"accessKey": "k123", "request": {"a": True, "b": None, "s": "it\'s"}}');
  assert.match(code.r, 'add_headers(Authorization = "Bearer YOUR_API_KEY")');
  assert.not.match(sampleCode({ endpoint: 'http://h/model', accessKey: 'k', auth: false, input: {} }).curl, 'Authorization');
});

test('keys page: prefix, scope, expiry, last use; a created key is shown once; revoke is confirmed', () => {
  const page = renderKeys({
    viewer: admin,
    keys: [
      { id: 1, name: 'ci', prefix: 'slw_abcd1234', models: ['iris'], expiresAt: '2027-12-01T00:00:00.000Z', lastUsedAt: '2026-12-01T09:00:00.000Z', status: 'active' },
      { id: 2, name: 'old', prefix: 'slw_zzzz9999', models: null, expiresAt: '2027-01-01T00:00:00.000Z', lastUsedAt: null, status: 'revoked' },
    ],
    created: { id: 3, key: 'slw_newkey' },
  });
  assert.match(page, '<code>slw_abcd1234…</code>');
  assert.match(page, '<td>iris</td><td>2027-12-01 00:00:00Z</td>');
  assert.match(page, 'every model');
  assert.match(page, '<code id="created-key">slw_newkey</code>');
  assert.is(page.match(/Revoke<\/button>/g)?.length, 1, 'only the active key can be revoked');
  assert.match(page, /data-confirm="Revoke API key #1 \(ci\)\?/);
});

test('login page: a password field with a label, and the double-submit token', () => {
  const page = renderLogin({ loginToken: 'tok', error: 'No such API key.' });
  assert.match(page, '<label for="key">');
  assert.match(page, 'type="password"');
  assert.match(page, 'name="login" value="tok"');
  assert.match(page, 'role="alert">No such API key.');
});

test('technical charts: one per metric family, calls per second, bytes per call, memory in MiB', () => {
  const row = (at: number, extra: Partial<TechRow>): TechRow => ({
    model: 'm', replica: '', step: 10, at, samples: 1, calls: 0, success: 0, failure: 0, error: 0, busy: 0, restarts: 0,
    requestBytes: 0, responseBytes: 0, p50: null, p95: null, p99: null, cpu: null, rss: null, ...extra,
  });
  const charts = technicalCharts([row(10_000, { calls: 20, success: 18, failure: 2, requestBytes: 400, responseBytes: 200, p50: 1, p95: 2, p99: 3, cpu: 0.25, rss: 2 ** 21 }), row(20_000, {})]);
  assert.equal(charts.map((c) => c.id), ['calls', 'latency', 'busy', 'bytes', 'cpu', 'memory']);
  assert.match(charts.find((c) => c.id === 'cpu')!.empty!, 'needs two samples', 'what the CPU chart says after its first sample');
  const byId = Object.fromEntries(charts.map((c) => [c.id, c.data]));
  assert.equal(byId.calls, [[10, 20], [1.8, 0], [0.2, 0], [0, 0]]);
  assert.equal(byId.latency, [[10, 20], [1, null], [2, null], [3, null]]);
  assert.equal(byId.bytes, [[10, 20], [20, null], [10, null]]);
  assert.equal(byId.memory, [[10, 20], [2, null]]);
});

test('tracked charts: a chart of numeric values and a newest-first table per metric name', () => {
  const charts = trackedCharts([
    { predictionUuid: 'u1', startTimeStampMs: 2000, metrics: { score: 0.5, label: 'big' } },
    { predictionUuid: 'u0', startTimeStampMs: 1000, metrics: { score: 0.25 } },
  ]);
  assert.equal(charts.map((c) => c.title), ['label', 'score']);
  assert.equal(charts[1]!.data, [[1, 2], [0.25, 0.5]]);
  assert.equal(charts[1]!.rows.map((r) => r.value), ['0.5', '0.25']);
  assert.equal(charts[0]!.data, [[], []], 'text values are in the table, not the chart');
  assert.equal(charts[0]!.rows, [{ at: 2000, uuid: 'u1', value: '"big"' }]);
});

test('sessions: found by cookie, forgotten after idle time or logout, ended with their API key; cookie flags', () => {
  const sessions = createSessions();
  const s = sessions.create({ kind: 'api-key', id: 4, name: 'x', prefix: 'slw_x', models: null, key: 'slw_secret' }, 0);
  const header = `other=1; slipway_session=${s.id}`;
  assert.is(sessions.find(header, 1000)?.id, s.id);
  assert.is(sessions.find(header, 1000 + 13 * 3_600_000), null, 'idle for 13 h');
  const t = sessions.create({ kind: 'admin' }, 0);
  sessions.end(t.id);
  assert.is(sessions.find(`slipway_session=${t.id}`, 1), null);
  const u = sessions.create({ kind: 'api-key', id: 9, name: 'y', prefix: 'slw_y', models: null, key: 'k' }, 0);
  sessions.endKey(9);
  assert.is(sessions.find(`slipway_session=${u.id}`, 1), null);
  assert.is(cookie('a', 'b'), 'a=b; Path=/; HttpOnly; SameSite=Strict');
  assert.equal([...parseCookies('a=1; b=2')], [['a', '1'], ['b', '2']]);
});

test.run();
