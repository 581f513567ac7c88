// The plan for a terminal: an aligned table, one row per model and one line per reason, then a
// summary. Colour is the caller's decision (a TTY, NO_COLOR), so this stays a pure function.
import { reasonLines } from './reason.ts';
import { planSummary } from './plan-summary.ts';
import type { Action, Change, Plan } from './types.ts';

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'magenta';

/** SGR codes to open and close each style; closing only what was opened keeps nesting safe. */
const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
};

const ACTION_STYLE: Record<Action, Style> = {
  create: 'green',
  start: 'green',
  rebuild: 'yellow',
  rollback: 'yellow',
  reconfigure: 'yellow',
  repair: 'magenta',
  stop: 'red',
  delete: 'red',
  noop: 'dim',
};

const HEADER = ['MODEL', 'ACTION', 'BUILD', 'KEY', 'REASONS'];
const SHORT_KEY = 12;

/**
 * A table of `p` (model, action, build such as `#3 (new)` or `#1 (reused)`, the key's first 12
 * characters, reasons) and a summary line such as `2 to create, 3 unchanged.` or `No changes.`.
 * ANSI colour codes appear only when `opts.color` is true. Ends with a newline.
 */
export function renderPlanText(p: Plan, opts: { color: boolean }): string {
  const paint = (style: Style, text: string): string =>
    opts.color && text !== '' ? `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m` : text;
  const summary = paint('bold', planSummary(p));
  if (p.changes.length === 0) return `${summary}\n`;

  const rows = p.changes.map(cells);
  // The last column, reasons, is left ragged: it needs no width.
  const widths = rows[0].map((_, column) => Math.max(HEADER[column].length, ...rows.map((row) => row[column].length)));
  const line = (values: string[], styles: (Style | null)[]): string =>
    values
      .map((value, column) => {
        const style = styles[column];
        const shown = style === null ? value : paint(style, value);
        return column === values.length - 1 ? shown : shown + ' '.repeat(widths[column] - value.length + 2);
      })
      .join('')
      .trimEnd();

  const lines = [line(HEADER, HEADER.map(() => 'bold'))];
  p.changes.forEach((change, index) => {
    const [model, action, build, key] = rows[index];
    const [first = '', ...rest] = reasonLines(change);
    lines.push(line([model, action, build, key, first], [null, ACTION_STYLE[change.action], null, 'dim', null]));
    for (const reason of rest) lines.push(line(['', '', '', '', reason], [null, null, null, null, null]));
  });
  return `${lines.join('\n')}\n\n${summary}\n`;
}

/** The first four cells of a change's row; reasons are laid out by the caller, one per line. */
function cells(change: Change): [string, string, string, string] {
  if (change.build === null) return [change.model, change.action, '-', '-'];
  const build = `#${change.build.number} (${change.build.reused ? 'reused' : 'new'})`;
  return [change.model, change.action, build, change.build.key.slice(0, SHORT_KEY)];
}
