// The test calls of one model as a Markdown table: input, expected, got, pass or fail, latency.
import type { TestResult } from '../apply/test-calls.ts';
import { codeCell, escapeText } from './markdown.ts';

/** Rows shown per model; a model with more examples gets a line counting the rest. */
export const MAX_TEST_ROWS = 25;

/**
 * `| # | Input | Expected | Got | Result | Latency |`, one row per call. An example without an
 * expected output shows `(any answer)`; a failed row says why (the mismatch or the call's error).
 */
export function renderTestTable(tests: readonly TestResult[]): string {
  const shown = tests.slice(0, MAX_TEST_ROWS);
  const rows = shown.map((t) => {
    const expected = t.expected === undefined ? '(any answer)' : codeCell(t.expected);
    const got = t.got === null && !t.pass ? '—' : codeCell(t.got);
    const result = t.pass ? '✅ pass' : `❌ fail${t.detail ? `: ${escapeText(t.detail)}` : ''}`;
    return `| ${t.index + 1} | ${codeCell(t.input)} | ${expected} | ${got} | ${result} | ${t.latencyMs.toFixed(1)} ms |`;
  });
  const lines = ['| # | Input | Expected | Got | Result | Latency |', '|---:|---|---|---|---|---:|', ...rows];
  const rest = tests.length - shown.length;
  if (rest > 0) {
    const failed = tests.slice(MAX_TEST_ROWS).filter((t) => !t.pass).length;
    lines.push('', `…and ${rest} more (${failed} failed).`);
  }
  return lines.join('\n');
}
