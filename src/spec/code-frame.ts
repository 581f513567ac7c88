// A few lines of a file around a position, with the line marked and a caret under the column, as
// compilers show a syntax error:
//      4 |   - name: a
//   >  5 |     file: [a.py
//        |           ^
import type { Position } from './types.ts';

/** The frame of `text` at `at` (1-based line and column), with `before` lines of context above. */
export function codeFrame(text: string, at: Position, before = 2): string {
  const lines = text.split('\n');
  const last = Math.min(Math.max(at.line, 1), lines.length);
  const first = Math.max(1, last - before);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === last ? '>' : ' ';
    out.push(`  ${marker} ${String(n).padStart(width)} | ${lines[n - 1].replace(/\t/g, ' ')}`.trimEnd());
  }
  out.push(`    ${' '.repeat(width)} | ${' '.repeat(Math.max(at.column - 1, 0))}^`);
  return out.join('\n');
}
