// `npm start` serves examples/models.yaml, or examples/models-python.yaml where R is missing
// (scripts/start.ts): the second must stay the first without its R models, so the two never drift.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';

type Models = { project: string; models: Array<{ name: string; runtime?: string }> };
const read = (file: string) => parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')) as Models;

test('models-python.yaml is models.yaml without its R models', () => {
  const all = read('models.yaml');
  const python = read('models-python.yaml');
  assert.ok(all.models.some((m) => m.runtime === 'r'), 'the examples have an R model');
  assert.equal(python, { ...all, models: all.models.filter((m) => m.runtime !== 'r') });
});

test.run();
