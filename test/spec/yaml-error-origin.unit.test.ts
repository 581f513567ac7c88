// YAML syntax errors where a person must look: the line that opened a flow collection or a quote
// never closed (the parser notices lines later), and one error instead of a cascade.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseYaml } from '../../src/spec/yaml-source.ts';

const head = 'version: 1\nproject: p\nmodels:\n  - name: a\n    file: a.py\n    function: f\n';

/** Each error's position and first line (the code frame under it is checked in load-invalid). */
function errors(text: string): string[] {
  const parsed = parseYaml(text);
  return parsed.ok ? [] : parsed.errors.map((e) => `${e.position.line}:${e.position.column} ${e.message.split('\n')[0]}`);
}

test('an unclosed { in an example: the line of the {, and no follow-on errors for the lines after it', () => {
  const text = `${head}    example:\n      input: {"a": 1\n      output: 2\n  - name: b\n    file: b.py\n`;
  assert.equal(errors(text), ['8:14 YAML syntax error: the "{" opened here is never closed (Flow map in block collection must be sufficiently indented and end with a })']);
});

test('an unclosed [ and an unclosed quote: the line that opened them', () => {
  assert.equal(errors(`${head}    env:\n      X: [1, 2\n    replicas: 2\n`).map((e) => e.split(' ')[0]), ['8:10']);
  assert.equal(errors('version: 1\nproject: p\nmodels:\n  - name: "a\n    file: a.py\n    function: f\n').map((e) => e.split(' ')[0]), ['4:11']);
});

test("a quote inside a word, or # in a string, is not taken for an opener; a bad indent stays on its own line", () => {
  const text = `version: 1\nproject: p\ndescription: don't # it's fine\nmodels:\n  - name: a\n    file: a.py\n   function: f\n`;
  assert.equal(errors(text), ['7:1 YAML syntax error: Sequence item without - indicator']);
});

test('independent errors (a duplicate key) are kept beside the first', () => {
  const text = 'version: 1\nproject: p\nproject: q\nmodels: []\n';
  assert.equal(errors(text).length, 1);
  assert.match(errors(text)[0], 'key "project" appears twice');
});

test.run();
