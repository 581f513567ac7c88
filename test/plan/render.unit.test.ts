import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.ts';
import { planSummary } from '../../src/plan/plan-summary.ts';
import { renderPlanJson } from '../../src/plan/render-plan-json.ts';
import { reasonText } from '../../src/plan/reason.ts';
import { renderPlanMarkdown } from '../../src/plan/render-plan-markdown.ts';
import { renderPlanText } from '../../src/plan/render-plan-text.ts';
import type { Action, Plan } from '../../src/plan/types.ts';
import { applied, build, inputs, key, keys, model, observed, observedModel, serving, spec } from './factories.ts';

const ESC = '\x1b';
const v1 = inputs('iris', { 'models/iris/predict.py': 'p1' });
const v2 = inputs('iris', { 'models/iris/predict.py': 'p2', 'models/iris/a|b.py': 'x' });

/** A plan with a create, a rebuild with several reasons, a delete and a noop; env values are recognisable. */
function samplePlan(): Plan {
  const oldEnv = { THRESHOLD: { value: 'LEAKED-OLD-VALUE' }, TOKEN: { fromEnv: 'API_TOKEN', digest: 'LEAKED-DIGEST-1' } };
  const newEnv = { THRESHOLD: { value: 'LEAKED-NEW-VALUE' }, TOKEN: { fromEnv: 'API_TOKEN', digest: 'LEAKED-DIGEST-2' } };
  return plan(
    spec(model('iris', { serving: { replicas: 3, env: newEnv } }), model('add-numbers'), model('same')),
    keys(['iris', v2], ['add-numbers', inputs('add-numbers')], ['same', inputs('same')]),
    observed(
      observedModel('iris', { builds: [build(1, v1)], deployment: applied(3, 1, serving({ env: oldEnv })) }),
      observedModel('old', { builds: [build(1, inputs('old'))], deployment: applied(1, 1) }),
      observedModel('same', { builds: [build(1, inputs('same'))], deployment: applied(2, 1) }),
    ),
  );
}

function onePerAction(): Plan {
  const actions: Action[] = ['noop', 'delete', 'repair', 'stop', 'start', 'reconfigure', 'rollback', 'rebuild', 'create'];
  return { changes: actions.map((action) => ({ model: `m-${action}`, action, build: null, reasons: [] })) };
}

test('the sample plan has the actions the renderer tests rely on', () => {
  const p = samplePlan();
  assert.equal(
    p.changes.map((change) => [change.model, change.action]),
    [['add-numbers', 'create'], ['iris', 'rebuild'], ['old', 'delete'], ['same', 'noop']],
  );
  assert.ok(p.changes[1].reasons.includes('env THRESHOLD changed'));
  assert.ok(p.changes[1].reasons.includes('env TOKEN changed (secret)'));
});

test('JSON: exactly model, action, build, reasons and why per change, pretty-printed', () => {
  const p = samplePlan();
  const out = renderPlanJson(p);
  const parsed = JSON.parse(out);
  assert.equal(parsed, {
    changes: [
      {
        model: 'add-numbers',
        action: 'create',
        build: { number: 1, key: key(inputs('add-numbers')).key, reused: false },
        reasons: ['new model'],
        why: [{ kind: 'origin', origin: 'new' }],
      },
      {
        model: 'iris',
        action: 'rebuild',
        build: { number: 2, key: key(v2).key, reused: false },
        reasons: p.changes[1].reasons,
        why: p.changes[1].why,
      },
      { model: 'old', action: 'delete', build: null, reasons: ['no longer declared in models.yaml'], why: [{ kind: 'deleted' }] },
      { model: 'same', action: 'noop', build: { number: 1, key: key(inputs('same')).key, reused: true }, reasons: [], why: [] },
    ],
  });
  assert.equal(Object.keys(parsed), ['changes']);
  for (const change of parsed.changes) {
    assert.equal(Object.keys(change), ['model', 'action', 'build', 'reasons', 'why']);
    // The text is the structure rendered: one line per reason, in order.
    assert.equal(change.reasons, change.why.map(reasonText));
    if (change.build !== null) assert.equal(Object.keys(change.build), ['number', 'key', 'reused']);
  }
  assert.is(out, `${JSON.stringify(parsed, null, 2)}\n`);
});

test('no renderer ever shows an env value or secret digest', () => {
  const p = samplePlan();
  const outputs = [
    renderPlanJson(p),
    renderPlanText(p, { color: false }),
    renderPlanText(p, { color: true }),
    renderPlanMarkdown(p),
  ];
  for (const out of outputs) {
    assert.ok(out.includes('THRESHOLD'), 'the variable name is shown');
    assert.not.ok(out.includes('LEAKED'), `no value in:\n${out}`);
  }
});

test('text: an aligned table, one line per reason, and a summary', () => {
  const p = samplePlan();
  const lines = renderPlanText(p, { color: false }).split('\n');
  assert.match(lines[0], /^MODEL\s+ACTION\s+BUILD\s+KEY\s+REASONS$/);
  const reasonsColumn = lines[0].indexOf('REASONS');
  const iris = lines.findIndex((line) => line.startsWith('iris '));
  assert.is(lines[iris].indexOf('rebuild'), lines[0].indexOf('ACTION'));
  assert.is(lines[iris].indexOf('#2 (new)'), lines[0].indexOf('BUILD'));
  assert.is(lines[iris].indexOf(key(v2).key.slice(0, 12)), lines[0].indexOf('KEY'));
  assert.not.ok(lines.join('\n').includes(key(v2).key), 'keys are shortened');
  p.changes[1].reasons.forEach((reason, index) => {
    assert.is(lines[iris + index].slice(reasonsColumn), reason);
    if (index > 0) assert.is(lines[iris + index].slice(0, reasonsColumn).trim(), '');
  });
  assert.ok(lines.some((line) => /^same\s+noop\s+#1 \(reused\)\s+[0-9a-f]{12}$/.test(line)));
  assert.ok(lines.some((line) => /^old\s+delete\s+-\s+-\s+no longer declared/.test(line)));
  assert.ok(lines.every((line) => line === line.trimEnd()), 'no trailing spaces');
  assert.is(lines.at(-2), '1 to create, 1 to rebuild, 1 to delete, 1 unchanged.');
  assert.is(lines.at(-1), '');
});

test('text: escape codes only with colour, and the same text underneath', () => {
  const p = samplePlan();
  const plain = renderPlanText(p, { color: false });
  const coloured = renderPlanText(p, { color: true });
  assert.not.ok(plain.includes(ESC));
  assert.ok(coloured.includes(`${ESC}[33mrebuild${ESC}[39m`));
  assert.ok(coloured.includes(`${ESC}[31mdelete${ESC}[39m`));
  assert.is(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain);
});

test('text: no changes', () => {
  assert.is(renderPlanText({ changes: [] }, { color: false }), 'No changes.\n');
  const noops = plan(
    spec(model('same')),
    keys(['same', inputs('same')]),
    observed(observedModel('same', { builds: [build(1, inputs('same'))], deployment: applied(2, 1) })),
  );
  const lines = renderPlanText(noops, { color: false }).trimEnd().split('\n');
  assert.match(lines[1], /^same\s+noop/);
  assert.is(lines.at(-1), 'No changes.');
});

test('summary: every action in a fixed order', () => {
  assert.is(
    planSummary(onePerAction()),
    '1 to create, 1 to rebuild, 1 to roll back, 1 to reconfigure, 1 to start, 1 to stop, 1 to repair, 1 to delete, 1 unchanged.',
  );
  assert.is(planSummary({ changes: [] }), 'No changes.');
});

test('markdown: a table of the changes, noops only counted, cells escaped', () => {
  const out = renderPlanMarkdown(samplePlan());
  const lines = out.trimEnd().split('\n');
  assert.is(lines[0], '**Plan:** 1 to create, 1 to rebuild, 1 to delete, 1 unchanged.');
  assert.is(lines[2], '| Model | Action | Build | Reasons |');
  assert.is(lines[3], '|---|---|---|---|');
  assert.is(lines.length, 7, 'three changed models, the noop left out');
  assert.not.ok(out.includes('| same |'));
  assert.is(lines[4], `| add-numbers | create | #1 (new) \`${key(inputs('add-numbers')).key.slice(0, 12)}\` | new model |`);
  const iris = lines[5];
  assert.ok(iris.startsWith(`| iris | rebuild | #2 (new) \`${key(v2).key.slice(0, 12)}\` | a\\|b.py added<br>predict.py modified<br>`));
  assert.is(iris.split(/(?<!\\)\|/).length, 6, 'the escaped pipe does not split the row');
  assert.is(lines[6], '| old | delete | - | no longer declared in models.yaml |');
});

test('markdown: reasons cannot inject Markdown or HTML', () => {
  const p: Plan = {
    changes: [{ model: 'm', action: 'rebuild', build: null, reasons: ['__init__.py added', '<img src=x>.py added', 'a\nb'] }],
  };
  assert.ok(renderPlanMarkdown(p).includes('| \\_\\_init\\_\\_.py added<br>\\<img src=x\\>.py added<br>a b |'));
});

test('markdown: no changes, with the unchanged models counted', () => {
  assert.is(renderPlanMarkdown({ changes: [] }), '**No changes.**\n');
  const noops: Plan = {
    changes: ['a', 'b'].map((name) => ({ model: name, action: 'noop', build: null, reasons: [] })),
  };
  assert.is(renderPlanMarkdown(noops), '**No changes.** 2 models up to date.\n');
});

test.run();
