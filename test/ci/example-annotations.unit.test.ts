// A failing example is annotated where it is declared: `example:` of its model, or its item of
// `examples:` (counted after `example:` when both are written).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failedExampleIssues } from '../../src/ci/example-annotations.ts';
import type { ModelReport } from '../../src/github/run-report.ts';

const yaml = `version: 1
project: p
models:
  - name: a
    file: a.py
    function: f
    example:
      input: 1
    examples:
      - input: 2
      - input: 3
`;

function report(model: string, failed: number[]): ModelReport {
  const tests = [0, 1, 2].map((index) => ({ model, index, input: index + 1, expected: 0, got: 1, pass: !failed.includes(index), detail: failed.includes(index) ? '$: expected 0, got 1' : null, latencyMs: 1 }));
  return { model, action: 'create', reasons: [], build: null, failedIn: null, error: null, errorTail: null, tests, deploymentId: null, curl: null };
}

test('example: and examples[i] lines; passing examples and unknown models are not annotated', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-annotations-'));
  try {
    const file = path.join(dir, 'models.yaml');
    writeFileSync(file, yaml);
    const issues = failedExampleIssues(file, 'models.yaml', [report('a', [0, 2]), report('gone', [0])]);
    assert.equal(
      issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`),
      ['7:5 models[0].example: a: example 1 failed: $: expected 0, got 1', '11:9 models[0].examples[1]: a: example 3 failed: $: expected 0, got 1'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
