// A CI run as Markdown: the sticky pull-request comment, the job summary and the commit comment
// are all this one text. Pure: the report in, the text out, with secrets scrubbed.
import { planSummary } from '../plan/plan-summary.ts';
import { escapeText, fence } from './markdown.ts';
import { redactDeep, redactText } from './redact.ts';
import { renderDiffSection } from './render-diff.ts';
import { renderTestTable } from './render-test-table.ts';
import { startedAs } from '../rollouts/rollout-text.ts';
import type { ModelReport, RunKind, RunReport } from './run-report.ts';

/**
 * The hidden first line by which the pull request's Slipway comment is found and edited in place.
 * It names the target and the models file, so two Slipway workflows on one pull request (two
 * targets, two models files) keep a comment each.
 */
export function planCommentMarker(target: string, modelsFile: string): string {
  const safe = (text: string) => text.replace(/--+/g, '-').replace(/[<>\s]/g, '_');
  return `<!-- slipway:plan target=${safe(target)} file=${safe(modelsFile)} -->`;
}

/** GitHub refuses comments over 65,536 characters; the summary keeps the whole text. */
export const MAX_COMMENT_LENGTH = 60_000;

export type RenderOptions = {
  /** A first line (the hidden marker of a sticky comment). */
  marker?: string;
  /** Secret values to scrub (see `scrubList`). */
  secrets?: readonly string[];
  /** Cut the text to this length, saying where the rest is. */
  maxLength?: number;
  /** Link to the CI run, for "the full report is in…". */
  runUrl?: string | null;
};

const TITLES: Record<RunKind, string> = {
  plan: 'plan',
  test: 'plan and test calls',
  apply: 'apply',
  reconcile: 'reconcile',
};

/** The whole report as Markdown, ending with a newline. */
export function renderReportMarkdown(input: RunReport, opts: RenderOptions = {}): string {
  const secrets = opts.secrets ?? [];
  const report = redactDeep(input, secrets);
  const parts: string[] = [];
  if (opts.marker) parts.push(opts.marker);
  parts.push(`## ${report.ok ? '✅' : '❌'} Slipway ${TITLES[report.kind]}`);
  parts.push(headline(report));
  if (report.notes.length > 0) parts.push(report.notes.map((n) => `- ${escapeText(n)}`).join('\n'));
  if (report.issues.length > 0) {
    const lines = report.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.path ? `${i.path}: ` : ''}${i.message}`);
    parts.push(`### ❌ \`${report.modelsFile}\` is not valid\n\n${fence(lines.join('\n'), 'text')}`);
  }
  if (report.failure) parts.push(`**Failed:** ${escapeText(report.failure)}`);
  for (const model of report.models) parts.push(renderModel(model, report.kind));
  const text = redactText(`${parts.join('\n\n')}\n`, secrets);
  return opts.maxLength ? cut(text, opts.maxLength, opts.runUrl ?? null) : text;
}

function headline(report: RunReport): string {
  const commit = report.commit ? `Commit \`${report.commit.slice(0, 7)}\` · ` : '';
  const file = `\`${report.modelsFile}\``;
  if (!report.plan) return `${commit}${file}`;
  if (report.kind === 'reconcile') {
    const found = report.drift ? '**Drift found**: what runs differed from what was applied; repaired below.' : '**No drift**: everything runs as last applied.';
    return `${commit}${file} · ${found}`;
  }
  return `${commit}${file} · **Plan:** ${planSummary(report.plan)}`;
}

function renderModel(m: ModelReport, kind: RunKind): string {
  const failed = m.error !== null || m.tests.some((t) => !t.pass) || m.diff?.judgement.ok === false;
  const ran = m.tests.length > 0 || m.deploymentId !== null || m.build?.state === 'built';
  const icon = failed ? '❌ ' : ran ? '✅ ' : '';
  const lines = [`### ${icon}${escapeText(m.model)}: ${m.action}`];
  if (m.reasons.length > 0) lines.push('', ...m.reasons.map((r) => `- ${escapeText(r)}`));
  if (m.build) lines.push('', buildLine(m));
  if (m.outputShape) {
    const judged = m.outputShape.from === 'answers' ? "the candidate's answers to its examples" : "this pull request's examples";
    lines.push('', `⚠️ **The output's shape changes** against the deployed build (judged from ${judged}):`, '', ...m.outputShape.changes.map((c) => `- ${escapeText(c)}`));
  }
  if (m.deploymentId !== null) lines.push('', `Deployment #${m.deploymentId}${m.rollout ? `, ${startedAs(m.rollout)}` : ''}.`);
  if (m.warnings !== undefined && m.warnings.length > 0) lines.push('', '**Warnings while loading:**', '', ...m.warnings.map((w) => `- ${escapeText(w)}`));
  if (m.error) {
    lines.push('', `**Error:** ${escapeText(m.error)}`);
    if (m.errorTail) lines.push('', '<details><summary>Last lines of the log</summary>', '', fence(m.errorTail, 'text'), '', '</details>');
  }
  if (m.skipped) lines.push('', `⏭️ **Skipped:** ${escapeText(m.skipped)}`);
  if (m.tests.length > 0) lines.push('', renderTestTable(m.tests));
  // Without a build (a deployment a restarted daemon restored) nothing was built or called here.
  else if ((kind === 'test' || kind === 'apply' || kind === 'reconcile') && ran && m.build !== null && !m.error && !m.skipped) lines.push('', 'No examples declared: nothing to call.');
  if (m.diff || m.diffNotRun) lines.push('', renderDiffSection(m));
  if (m.curl) {
    const r = m.httr ? ['', fence(m.httr, 'r')] : [];
    lines.push('', '<details><summary>Call the deployed endpoint</summary>', '', fence(m.curl, 'sh'), ...r, '', '</details>');
  }
  return lines.join('\n');
}

function buildLine(m: ModelReport): string {
  const b = m.build!;
  const what = { reused: 'reused, nothing built', built: 'built', failed: 'failed', planned: 'to be built by apply' }[b.state];
  return `Build #${b.number} \`${b.key.slice(0, 12)}\`: ${what}.`;
}

function cut(text: string, max: number, runUrl: string | null): string {
  if (text.length <= max) return text;
  const where = runUrl ? `[the job summary](${runUrl})` : 'the job summary';
  const note = `\n\n…cut to fit a comment: the full report is in ${where}.\n`;
  // Cut at a line break, and close a code block or details element left open by the cut.
  let head = text.slice(0, max - note.length - 40);
  head = head.slice(0, Math.max(0, head.lastIndexOf('\n')));
  const fences = head.match(/^`{3,}/gm) ?? [];
  if (fences.length % 2 === 1) head += `\n${fences[fences.length - 1]}`;
  const opened = (head.match(/<details>/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  if (opened > 0) head += '\n\n</details>';
  return `${head}${note}`;
}
