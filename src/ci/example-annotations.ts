// A failing example annotated where it is declared: the `example:` (or `examples:` item) of its
// model in models.yaml, so the pull request's diff shows the failure on the line to fix.
import { readFileSync } from 'node:fs';
import type { ModelReport } from '../github/run-report.ts';
import { parseYaml } from '../spec/yaml-source.ts';
import type { SpecIssue } from '../spec/types.ts';

/** One issue per failed example of `models`, positioned in the models file at `file` (absolute). */
export function failedExampleIssues(file: string, display: string, models: ModelReport[]): SpecIssue[] {
  const failing = models.filter((m) => m.tests.some((t) => !t.pass));
  if (failing.length === 0) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const parsed = parseYaml(text);
  if (!parsed.ok) return [];
  const { data, locate } = parsed.source;
  const declared = isRecord(data) && Array.isArray(data.models) ? data.models : [];
  const issues: SpecIssue[] = [];
  for (const model of failing) {
    const index = declared.findIndex((m) => isRecord(m) && m.name === model.model);
    if (index === -1) continue;
    const hasSingle = isRecord(declared[index]) && 'example' in declared[index];
    for (const test of model.tests.filter((t) => !t.pass)) {
      const at = hasSingle && test.index === 0 ? ['models', index, 'example'] : ['models', index, 'examples', test.index - (hasSingle ? 1 : 0)];
      const position = locate(at, true);
      const path = at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
      issues.push({ file: display, line: position.line, column: position.column, path, message: `${model.model}: example ${test.index + 1} failed${test.detail ? `: ${test.detail}` : ''}` });
    }
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
