// The model page's "What was live when" from plain history records: the timeline in order with who
// applied each deployment and when it served, and the "at" form's answer (read as UTC, like the
// `datetime-local` input says), a bad instant, an instant before anything served; escaping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryRecord } from '../../src/history/timeline.ts';
import { historyView } from '../../src/ui/history-view.ts';
import { renderHistory } from '../../src/ui/pages/history-section.ts';

const record = (id: number, build: number, startedAt: string, stoppedAt: string | null, extra: Partial<HistoryRecord> = {}): HistoryRecord => ({
  model: 'iris', deploymentId: id, build, buildKey: `${build}`.repeat(64), commit: `${id}`.repeat(40), actor: 'user:ana', state: 'running',
  status: stoppedAt ? 'superseded' : 'active', serving: { replicas: 1, env: ['LOG_LEVEL'] }, reason: null, startedAt, stoppedAt, ...extra,
});

const records: HistoryRecord[] = [
  record(2, 1, '2026-12-01T10:05:00.000Z', '2026-12-01T10:10:00.000Z', { actor: 'ci:octo/models#77' }),
  record(1, 1, '2026-12-01T10:00:00.000Z', '2026-12-01T10:05:00.000Z'),
  record(3, 2, '2026-12-01T10:09:00.000Z', null, { actor: 'follow:origin/main' }),
  record(4, 3, '2026-12-01T10:20:00.000Z', null, { status: 'failed', actor: 'user:<b>bob</b>' }),
];

const rowsOf = (page: string): string[][] =>
  [...page.matchAll(/<tr[^>]*><th scope="row">#(\d+)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => [m[1]!, ...[...m[2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, ''))]);

test('the timeline: oldest first, who applied each (kind first), served from and until, a failed one never served', () => {
  const page = renderHistory('iris', historyView(records, null)).text;
  assert.equal(rowsOf(page), [
    ['1', '#1', '1111111111', 'user ana', '2026-12-01 10:00:00Z', '2026-12-01 10:05:00Z', 'superseded', '—', '—', '—'],
    ['2', '#1', '2222222222', 'ci octo/models#77', '2026-12-01 10:05:00Z', '2026-12-01 10:10:00Z', 'superseded', '—', '—', '—'],
    ['3', '#2', '3333333333', 'follow origin/main', '2026-12-01 10:10:00Z', 'now', 'active', '—', '—', '—'],
    ['4', '#3', '4444444444', 'user &lt;b&gt;bob&lt;/b&gt;', 'never served', '—', 'failed', '—', '—', '—'],
  ]);
  assert.match(page, '<label for="live-at">Instant (UTC)</label>');
  assert.match(page, '<input id="live-at" name="at" type="datetime-local"');
  assert.match(page, 'action="/ui/models/iris#history"');
  assert.not.match(page, 'live-at-answer', 'no answer when not asked');
  assert.not.match(page, '<b>bob</b>');
});

test('the "at" form: a datetime-local value is UTC; the answer names the deployment and marks its row', () => {
  const view = historyView(records, '2026-12-01T10:09:30');
  assert.ok(view.at?.ok);
  const page = renderHistory('iris', view).text;
  // Deployment 3 started at 10:09 but traffic moved to it only when 2 stopped at 10:10.
  assert.match(page, /At 2026-12-01 10:09:30Z, <strong>deployment #2<\/strong> served iris: build #1, commit <code>2222222222<\/code>, applied by ci:octo\/models#77/);
  assert.match(page, '<tr class="live-at" aria-current="true"><th scope="row">#2</th>');
  assert.is(page.match(/aria-current/g)?.length, 1);
  assert.match(page, 'value="2026-12-01T10:09:30.000"', 'the form keeps the instant asked');
  assert.match(renderHistory('iris', historyView(records, '2026-12-01T11:10:30+01:00')).text, '<strong>deployment #3</strong>', 'a zoned instant too');
});

test('the "at" form: before anything served, and an instant that is not one', () => {
  assert.match(renderHistory('iris', historyView(records, '2026-11-30T09:00')).text, 'Nothing of iris served at 2026-11-30 09:00:00Z.');
  const bad = renderHistory('iris', historyView(records, 'yesterday <noon>')).text;
  assert.match(bad, /role="alert" class="error">&quot;yesterday &lt;noon&gt;&quot; is not an instant/);
  assert.match(bad, 'value=""');
  assert.match(renderHistory('iris', historyView([], null)).text, 'Nothing applied yet.');
});

test('one table for deployments: serving settings (env by name), the reason and the examples beside the timeline', () => {
  const serving = { replicas: 2, cpu: '500m', memory: '256Mi', gpu: 0, concurrency: 1, timeoutSeconds: 30, auth: true, env: ['DB_PASSWORD'] };
  const row = (id: number, extra: object) => ({ id, build: 1, status: 'superseded', state: 'running', actor: null, gitCommit: null, reason: null, startedAt: '', stoppedAt: null, serving, ...extra });
  const withReasons = records.map((r) => (r.deploymentId === 4 ? { ...r, reason: 'rebuild: add.py modified; canary at 25 % rolled back: error rate <b>' } : r));
  const page = renderHistory('iris', historyView(withReasons, null), [
    row(3, { gate: { passed: true, total: 2, failures: [] } }),
    row(4, { gate: { passed: false, total: 2, failures: ['example 2: expected 3, got <4>'] } }),
  ]).text;
  const rows = rowsOf(page);
  assert.equal(rows.map((r) => r.length), [10, 10, 10, 10]);
  assert.equal(rows[2]!.slice(7), ['2 × (cpu 500m, memory 256Mi, gpu 0), concurrency 1, timeout 30 s, API key, env DB_PASSWORD', '—', '2 of 2 passed']);
  assert.equal(rows[3]!.slice(8), ['rebuild: add.py modified; canary at 25 % rolled back: error rate &lt;b&gt;', '1 of 2 failedexample 2: expected 3, got &lt;4&gt;']);
  assert.is(page.match(/<table/g)?.length, 1, 'one table');
  assert.match(page, '<h2 id="history-title">Deployments: what was live when</h2>');
});

test.run();
