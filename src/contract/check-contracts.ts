// models.yaml checks of contracts: a declared schema must compile (an error at its line), every
// example must match the declared schema (an error at the example's line), and `validateInput`
// needs a schema to validate with. Reads the data defensively, like the other semantic checks.
import type { DataPath, Finding } from '../spec/data-path.ts';
import { isRecord } from '../spec/model-paths.ts';
import { compileSchema, type Check } from './validator.ts';

/** Contract problems of every model, positioned at the schema or the example at fault. */
export function checkContracts(models: unknown[]): Finding[] {
  return models.flatMap((model, i) => (isRecord(model) ? checkModel(model, ['models', i]) : []));
}

function checkModel(model: Record<string, unknown>, at: DataPath): Finding[] {
  const findings: Finding[] = [];
  const examples = examplesOf(model, at);
  const declared = isRecord(model.schema) ? model.schema : {};
  for (const side of ['input', 'output'] as const) {
    const schema = declared[side];
    if (!isRecord(schema)) continue;
    const compiled = compileSchema(schema);
    if (!compiled.ok) {
      findings.push({ path: [...at, 'schema', side], message: compiled.message });
      continue;
    }
    findings.push(...examplesAgainst(compiled.check, side, examples));
  }
  if (model.validateInput === true && examples.length === 0 && !isRecord(declared.input)) {
    findings.push({
      path: [...at, 'validateInput'],
      message: 'validateInput needs an input schema: add examples (their inputs imply one) or declare schema.input',
    });
  }
  return findings;
}

type Located = { value: Record<string, unknown>; at: DataPath };

function examplesOf(model: Record<string, unknown>, at: DataPath): Located[] {
  const found: Located[] = [];
  if (isRecord(model.example)) found.push({ value: model.example, at: [...at, 'example'] });
  if (Array.isArray(model.examples)) {
    model.examples.forEach((example, j) => {
      if (isRecord(example)) found.push({ value: example, at: [...at, 'examples', j] });
    });
  }
  return found;
}

function examplesAgainst(check: Check, side: 'input' | 'output', examples: Located[]): Finding[] {
  const findings: Finding[] = [];
  for (const example of examples) {
    if (!(side in example.value)) continue;
    const wrong = check(example.value[side]);
    if (wrong !== null) {
      findings.push({
        path: [...example.at, side],
        message: `this example's ${side} does not match schema.${side}: ${wrong}; fix the example or the schema`,
      });
    }
  }
  return findings;
}
