// The PR comment / summary renderer from plain values: layout, marker, test table, escaping, the
// cut to GitHub's comment size, and secrets scrubbed wherever they would appear.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestResult } from '../../src/apply/test-calls.ts';
import { codeCell, escapeText, fence } from '../../src/github/markdown.ts';
import { redactDeep, redactText, scrubList } from '../../src/github/redact.ts';
import { planCommentMarker, renderReportMarkdown } from '../../src/github/render-report.ts';

const PLAN_COMMENT_MARKER = planCommentMarker('local', 'models.yaml');
import { MAX_TEST_ROWS, renderTestTable } from '../../src/github/render-test-table.ts';
import type { ModelReport, RunReport } from '../../src/github/run-report.ts';
import { curlCommand } from '../../src/github/curl-command.ts';
import { httrCall } from '../../src/github/httr-call.ts';

const KEY = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2';

function result(over: Partial<TestResult> = {}): TestResult {
  return { model: 'add-numbers', index: 0, input: { a: 3, b: 5 }, expected: 8, got: 8, pass: true, detail: null, latencyMs: 2.345, ...over };
}

function model(over: Partial<ModelReport> = {}): ModelReport {
  return {
    model: 'add-numbers',
    action: 'rebuild',
    reasons: ['add_numbers.py modified'],
    build: { number: 2, key: KEY, state: 'built' },
    failedIn: null,
    error: null,
    errorTail: null,
    tests: [result()],
    deploymentId: null,
    curl: `curl -s http://127.0.0.1:8700/model -H 'Content-Type: application/json' -d '{"accessKey":"k","request":{"a":3,"b":5}}'`,
    ...over,
  };
}

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    kind: 'test',
    ok: true,
    commit: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    modelsFile: 'models.yaml',
    issues: [],
    fingerprint: null,
    plan: {
      changes: [
        { model: 'add-numbers', action: 'rebuild', build: { number: 2, key: KEY, reused: false }, reasons: ['add_numbers.py modified'] },
        { model: 'iris', action: 'noop', build: { number: 1, key: KEY, reused: true }, reasons: [] },
      ],
    },
    models: [model()],
    notes: [],
    failure: null,
    drift: false,
    ...over,
  };
}

test('the PR comment: marker first, headline, then per model its action, reasons, build, test table and curl', () => {
  const text = renderReportMarkdown(report(), { marker: PLAN_COMMENT_MARKER });
  assert.is(
    text,
    [
      '<!-- slipway:plan target=local file=models.yaml -->',
      '',
      '## ✅ Slipway plan and test calls',
      '',
      'Commit `ec26c3e` · `models.yaml` · **Plan:** 1 to rebuild, 1 unchanged.',
      '',
      '### ✅ add-numbers: rebuild',
      '',
      '- add\\_numbers.py modified',
      '',
      'Build #2 `a1b2c3d4e5f6`: built.',
      '',
      '| # | Input | Expected | Got | Result | Latency |',
      '|---:|---|---|---|---|---:|',
      '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>8</code> | <code>8</code> | ✅ pass | 2.3 ms |',
      '',
      '<details><summary>Call the deployed endpoint</summary>',
      '',
      '```sh',
      `curl -s http://127.0.0.1:8700/model -H 'Content-Type: application/json' -d '{"accessKey":"k","request":{"a":3,"b":5}}'`,
      '```',
      '',
      '</details>',
      '',
    ].join('\n'),
  );
});

test('a failing example: the row says why, and the model and the run are marked failed', () => {
  const failing = result({ got: 9, pass: false, detail: '$: expected 8, got 9: off by 1' });
  const text = renderReportMarkdown(report({ ok: false, models: [model({ tests: [failing] })] }));
  assert.ok(text.startsWith('## ❌ Slipway plan and test calls\n'));
  assert.match(text, '### ❌ add-numbers: rebuild');
  assert.match(text, '| 1 | <code>{&quot;a&quot;:3,&quot;b&quot;:5}</code> | <code>8</code> | <code>9</code> | ❌ fail: $: expected 8, got 9: off by 1 | 2.3 ms |');
  assert.not.match(text, '<!-- slipway:plan target=local file=models.yaml -->');
});

test('reused and planned builds, a build failure with its log tail, and a rollback', () => {
  const text = renderReportMarkdown(
    report({
      ok: false,
      models: [
        model({ model: 'a', action: 'rollback', reasons: ['build #1 has this key'], build: { number: 1, key: KEY, state: 'reused' }, tests: [] , curl: null }),
        model({ model: 'b', build: { number: 3, key: KEY, state: 'failed' }, error: 'build #3 failed: build script build.sh exited with 2', errorTail: 'make: *** [all] Error 2\n```oops', tests: [], curl: null }),
      ],
    }),
  );
  assert.match(text, '### a: rollback\n\n- build #1 has this key\n\nBuild #1 `a1b2c3d4e5f6`: reused, nothing built.');
  assert.match(text, 'Build #3 `a1b2c3d4e5f6`: failed.\n\n**Error:** build #3 failed: build script build.sh exited with 2');
  // The tail holds three backticks: its fence is longer, so it cannot end the block early.
  assert.match(text, '````text\nmake: *** [all] Error 2\n```oops\n````');
  const planOnly = renderReportMarkdown(report({ kind: 'plan', models: [model({ build: { number: 2, key: KEY, state: 'planned' }, tests: [] })] }));
  assert.match(planOnly, '### add-numbers: rebuild');
  assert.match(planOnly, 'Build #2 `a1b2c3d4e5f6`: to be built by apply.');
});

test('validation errors are listed with their positions and no plan', () => {
  const text = renderReportMarkdown(
    report({ ok: false, plan: null, models: [], issues: [{ file: 'models.yaml', line: 14, column: 16, path: 'models[1].replicas', message: '12 is above limits.maxReplicas 9' }] }),
  );
  assert.is(text, '## ❌ Slipway plan and test calls\n\nCommit `ec26c3e` · `models.yaml`\n\n### ❌ `models.yaml` is not valid\n\n```text\nmodels.yaml:14:16 models[1].replicas: 12 is above limits.maxReplicas 9\n```\n');
});

test('reconcile says whether there was drift; notes and failures are shown', () => {
  const clean = renderReportMarkdown(report({ kind: 'reconcile', models: [] }));
  assert.match(clean, '**No drift**: everything runs as last applied.');
  const drift = renderReportMarkdown(
    report({
      kind: 'reconcile',
      ok: false,
      drift: true,
      notes: ['started the Slipway daemon at http://127.0.0.1:8700'],
      failure: 'drift was found; failing because fail-on-drift is set',
      models: [model({ action: 'repair', reasons: ['stopped outside Slipway'], build: { number: 1, key: KEY, state: 'reused' }, deploymentId: 4 })],
    }),
  );
  assert.match(drift, '**Drift found**');
  assert.match(drift, '- started the Slipway daemon at http://127.0.0.1:8700');
  assert.match(drift, '**Failed:** drift was found; failing because fail-on-drift is set');
  assert.match(drift, '### ✅ add-numbers: repair\n\n- stopped outside Slipway\n\nBuild #1 `a1b2c3d4e5f6`: reused, nothing built.\n\nDeployment #4.');
});

test('a merge whose deployment began as a canary or shadow says so, not just its number', () => {
  const canary = renderReportMarkdown(report({ kind: 'apply', models: [model({ action: 'rebuild', build: { number: 2, key: KEY, state: 'built' }, deploymentId: 7, rollout: { strategy: 'canary', weight: 5 } })] }));
  assert.match(canary, 'Deployment #7, started as a canary at 5 %.');
  const shadow = renderReportMarkdown(report({ kind: 'apply', models: [model({ action: 'rebuild', build: { number: 2, key: KEY, state: 'built' }, deploymentId: 7, rollout: { strategy: 'shadow' } })] }));
  assert.match(shadow, 'Deployment #7, started as a shadow.');
});

test('cell escaping: | and backticks in values, Markdown in reasons and model output', () => {
  assert.is(codeCell({ s: 'a|b`c<d>' }), '<code>{&quot;s&quot;:&quot;a&#124;b`c&lt;d&gt;&quot;}</code>');
  assert.is(codeCell('x'.repeat(200), 10), '<code>&quot;xxxxxxxx…</code>');
  assert.is(codeCell(undefined), '<code>undefined</code>');
  assert.is(escapeText('a|b *c* <script>\nnext'), 'a\\|b \\*c\\* \\<script\\> next');
  assert.is(fence('plain'), '```\nplain\n```');
  const table = renderTestTable([result({ got: 'line1\nline2 | `x`', pass: false, detail: 'expected 8, got "|"' })]);
  const row = table.split('\n')[2];
  // One row, six cells: nothing in the value or the detail split it.
  assert.is(row.split(' | ').length, 6);
  assert.match(row, '❌ fail: expected 8, got "\\|"');
});

test('the test table shows at most MAX_TEST_ROWS rows and counts the rest', () => {
  const many = Array.from({ length: MAX_TEST_ROWS + 3 }, (_, i) => result({ index: i, pass: i !== MAX_TEST_ROWS + 1 }));
  const table = renderTestTable(many);
  assert.is(table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| #')).length, MAX_TEST_ROWS);
  assert.ok(table.endsWith('\n\n…and 3 more (1 failed).'));
  assert.match(renderTestTable([result({ expected: undefined })]), '| (any answer) |');
});

test('secret values never appear: in outputs, details, reasons, notes, as JSON or HTML', () => {
  const secret = 's3cr"et&value';
  const secrets = scrubList([secret, undefined, 'ab']);
  assert.equal(secrets, [secret]);
  const text = renderReportMarkdown(
    report({
      ok: false,
      notes: [`token ${secret}`],
      failure: `bad ${secret}`,
      models: [model({ error: `env leaked ${secret}`, tests: [result({ input: { key: secret }, got: { echo: secret }, pass: false, detail: `got ${secret}` })] })],
    }),
    { secrets, marker: PLAN_COMMENT_MARKER },
  );
  assert.not.match(text, 's3cr');
  assert.match(text, '***');
  assert.is(redactText(`x ${JSON.stringify(secret)} y`, secrets), 'x "***" y');
  assert.equal(redactDeep({ [secret]: [secret, 1] }, secrets), { '***': ['***', 1] });
});

test('a comment too long for GitHub is cut at a line, closing what it left open', () => {
  const many = Array.from({ length: 400 }, (_, i) => model({ model: `m${i}`, errorTail: 'x\n'.repeat(50), error: 'boom' }));
  const text = renderReportMarkdown(report({ models: many }), { maxLength: 20_000, runUrl: 'https://github.com/o/r/actions/runs/1' });
  assert.ok(text.length <= 20_000);
  assert.ok(text.endsWith('…cut to fit a comment: the full report is in [the job summary](https://github.com/o/r/actions/runs/1).\n'));
  assert.is((text.match(/^`{3,}/gm) ?? []).length % 2, 0);
  assert.is((text.match(/<details>/g) ?? []).length, (text.match(/<\/details>/g) ?? []).length);
});

test('the PR comment shows the R (httr) call beside the curl', () => {
  const httr = httrCall({ endpoint: 'http://127.0.0.1:8700/model', accessKey: 'k', auth: false, input: { a: 3, b: 5 } });
  const text = renderReportMarkdown(report({ models: [model({ httr })] }));
  assert.match(text, `\`\`\`r\n${httr}\n\`\`\``);
  assert.ok(text.indexOf('```r') > text.indexOf('```sh'), 'R after curl');
});

test('curl: the access key names the model; the API key is only ever a variable', () => {
  assert.is(
    curlCommand({ endpoint: 'http://127.0.0.1:8700/model', accessKey: 'abc', auth: true, input: { text: "it's" } }),
    `curl -s http://127.0.0.1:8700/model -H "Authorization: Bearer $SLIPWAY_API_KEY" -H 'Content-Type: application/json' -d '{"accessKey":"abc","request":{"text":"it'\\''s"}}'`,
  );
  assert.match(curlCommand({ endpoint: 'http://g/model', accessKey: null, auth: false, input: 1 }), `-d '{"accessKey":"<access key>","request":1}'`);
});

test.run();
