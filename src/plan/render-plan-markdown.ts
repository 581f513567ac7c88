// The plan for a pull-request comment: a Markdown table of the models that change; unchanged
// models are only counted, so a large repository's comment stays short.
import { reasonLines } from './reason.ts';
import { countActions, planSummary } from './plan-summary.ts';
import type { Change, Plan } from './types.ts';

/**
 * A summary line and a table (model, action, build, reasons) of every change in `p` that is not a
 * `noop`; noops are collapsed into a count. Cell text has `|` escaped and line breaks removed, so
 * a reason cannot break the table. Ends with a newline.
 */
export function renderPlanMarkdown(p: Plan): string {
  const unchanged = countActions(p).noop;
  const changes = p.changes.filter((change) => change.action !== 'noop');
  if (changes.length === 0) {
    const counted = unchanged === 0 ? '' : ` ${unchanged} ${unchanged === 1 ? 'model' : 'models'} up to date.`;
    return `**No changes.**${counted}\n`;
  }
  const rows = changes.map(
    (change) => `| ${cell(change.model)} | ${cell(change.action)} | ${buildCell(change)} | ${reasonsCell(change)} |`,
  );
  return [`**Plan:** ${planSummary(p)}`, '', '| Model | Action | Build | Reasons |', '|---|---|---|---|', ...rows, '']
    .join('\n');
}

function buildCell(change: Change): string {
  if (change.build === null) return '-';
  const label = `#${change.build.number} (${change.build.reused ? 'reused' : 'new'})`;
  return `${label} \`${change.build.key.slice(0, 12)}\``;
}

function reasonsCell(change: Change): string {
  return reasonLines(change).map(cell).join('<br>');
}

/**
 * Table-safe, literal text: `|` would end the cell and a line break the row; the other
 * punctuation is escaped so `__init__.py` is not read as emphasis, nor `<x>` as HTML.
 */
function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>~|&]/g, '\\$&');
}
