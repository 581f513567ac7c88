// models.yaml contracts through the real loader: inferred from examples, declared, and the errors
// (a schema that does not compile, an example that breaks the declared schema, validateInput with
// nothing to validate against) at their file:line:column.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { servingHash } from '../../src/plan/serving-hash.ts';
import { servingReasons } from '../../src/plan/serving-reasons.ts';
import { reasonText } from '../../src/plan/reason.ts';

async function load(yaml: string) {
  const root = mkdtempSync(path.join(tmpdir(), 'slipway-contract-'));
  try {
    writeFileSync(path.join(root, 'model.py'), 'def predict(args):\n    return args\n');
    writeFileSync(path.join(root, 'models.yaml'), yaml);
    return await loadSpec(path.join(root, 'models.yaml'), { root, displayPath: 'models.yaml' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const head = 'version: 1\nmodels:\n  - name: m\n    file: model.py\n    function: predict\n';

test('inferred from the examples; validateInput set on the contract', async () => {
  const loaded = await load(`${head}    validateInput: true\n    examples:\n      - input: {x: 1}\n        output: {y: 2.5}\n      - input: {x: 2, z: "a"}\n`);
  assert.ok(loaded.ok);
  if (!loaded.ok) return;
  assert.equal(loaded.spec.models[0].serving.contract, {
    input: { type: 'object', properties: { x: { type: 'integer' }, z: { type: 'string' } }, required: ['x'] },
    output: { type: 'object', properties: { y: { type: 'number' } }, required: ['y'] },
    validateInput: true,
  });
});

test('no example, nothing declared: no contract, and the serving hash is as before contracts', async () => {
  const loaded = await load(head);
  assert.ok(loaded.ok);
  if (!loaded.ok) return;
  assert.is(loaded.spec.models[0].serving.contract, undefined);
});

test('the examples change the serving hash only when validateInput is on', async () => {
  const hashOf = async (extra: string) => {
    const loaded = await load(`${head}${extra}`);
    assert.ok(loaded.ok);
    return loaded.ok ? servingHash(loaded.spec.models[0].serving) : '';
  };
  const bare = await hashOf('');
  assert.is(await hashOf('    example: {input: {x: 1}}\n'), bare);
  assert.is.not(await hashOf('    validateInput: true\n    example: {input: {x: 1}}\n'), bare);
});

test('the plan says why: validateInput turned on, then the validated input schema changed', async () => {
  const servingOf = async (extra: string) => {
    const loaded = await load(`${head}${extra}`);
    assert.ok(loaded.ok);
    return loaded.ok ? loaded.spec.models[0].serving : (undefined as never);
  };
  const plain = await servingOf('    example: {input: {x: 1}}\n');
  const validated = await servingOf('    validateInput: true\n    example: {input: {x: 1}}\n');
  const wider = await servingOf('    validateInput: true\n    example: {input: {x: 1, y: "a"}}\n');
  assert.equal(servingReasons(plain, validated).map(reasonText), ['validateInput false → true']);
  assert.equal(servingReasons(validated, wider).map(reasonText), ['input schema as deployed → changed']);
  assert.equal(servingReasons(plain, await servingOf('    example: {input: {x: "other"}}\n')).map(reasonText), []);
});

test('a declared schema is taken as written', async () => {
  const loaded = await load(`${head}    schema:\n      input: {type: object, required: [x]}\n    example: {input: {x: 1}, output: 3}\n`);
  assert.ok(loaded.ok);
  if (!loaded.ok) return;
  assert.equal(loaded.spec.models[0].serving.contract, { input: { type: 'object', required: ['x'] }, output: { type: 'integer' }, declared: true });
});

test('errors at the schema, the example, and validateInput', async () => {
  const yaml = [
    head.trimEnd(),
    '    schema:',
    '      input: {type: strin}',
    '  - name: n',
    '    file: model.py',
    '    function: predict',
    '    schema:',
    '      output: {type: object, required: [y]}',
    '    examples:',
    '      - input: 1',
    '        output: {y: 1}',
    '      - input: 2',
    '        output: {z: 1}',
    '  - name: o',
    '    file: model.py',
    '    function: predict',
    '    validateInput: true',
    '',
  ].join('\n');
  const loaded = await load(yaml);
  assert.is(loaded.ok, false);
  if (loaded.ok) return;
  const lines = loaded.errors.map(formatIssue);
  assert.is(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], /^models\.yaml:7:14 models\[0\]\.schema\.input: not a valid JSON Schema \(draft 2020-12\): schema is invalid: data\/type/);
  assert.is(lines[1], "models.yaml:17:17 models[1].examples[1].output: this example's output does not match schema.output: field /y is required; fix the example or the schema");
  assert.is(lines[2], 'models.yaml:21:20 models[2].validateInput: validateInput needs an input schema: add examples (their inputs imply one) or declare schema.input');
});

test.run();
