// A pull request's answer diff of one model as Markdown: a one-line verdict (the latency ratio
// first), then a collapsible detail with the counts, both latencies, the largest numeric deltas,
// shape changes, and a few changed answers. Pure; the caller scrubs secrets.
import { describeShape } from '../diff/answer-diff.ts';
import type { ModelReport } from './run-report.ts';
import { codeCell, escapeText } from './markdown.ts';

/** The diff section of `m`: the diff, why it could not run, or '' when none was tried. */
export function renderDiffSection(m: ModelReport): string {
  if (m.diff === undefined) return m.diffNotRun === undefined ? '' : `**Answer diff** ⚠️ not run: ${escapeText(m.diffNotRun)}`;
  const { report: r, judgement: j, candidate, baseline } = m.diff;
  const lines = [`**Answer diff** ${j.ok ? '✅' : '❌'} build #${candidate} against the deployed build #${baseline}: ${escapeText(j.verdict)}.`];
  if (j.breaches.length > 0) lines.push('', ...j.breaches.map((b) => `- ❌ ${escapeText(b)}`));
  const l = r.latencyMs;
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const detail = [
    `${r.calls} inputs · ${r.changed} answers changed · ${r.newErrors} new errors · ${r.shapeChanges.length} shape changes · tolerance ${r.tolerance}`,
    '',
    '| Latency | p50 | p95 | p99 |',
    '|---|---:|---:|---:|',
    `| candidate #${candidate} | ${ms(l.candidate.p50)} | ${ms(l.candidate.p95)} | ${ms(l.candidate.p99)} |`,
    `| deployed #${baseline} | ${ms(l.baseline.p50)} | ${ms(l.baseline.p95)} | ${ms(l.baseline.p99)} |`,
    `| ratio | ${ratio(l.candidate.p50, l.baseline.p50)} | ${ratio(l.candidate.p95, l.baseline.p95)} | ${ratio(l.candidate.p99, l.baseline.p99)} |`,
  ];
  if (r.largestDeltas.length > 0) {
    detail.push('', '**Largest numeric deltas**', '', '| Input | Where | Deployed | Candidate | Δ |', '|---|---|---:|---:|---:|');
    for (const d of r.largestDeltas) detail.push(`| ${escapeText(d.source)} | ${codeCell(d.pointer || '/')} | ${d.baseline} | ${d.candidate} | ${d.delta} |`);
  }
  if (r.shapeChanges.length > 0) {
    detail.push('', '**Shape changes**', '', ...r.shapeChanges.map((c) => `- ${escapeText(describeShape(c))}: ${c.calls} call${c.calls === 1 ? '' : 's'}, first ${escapeText(c.source)}`));
  }
  if (r.examples.length > 0) {
    detail.push('', '**Changed answers**', '', '| Input | Source | Deployed | Candidate |', '|---|---|---|---|');
    for (const e of r.examples) detail.push(`| ${codeCell(e.input)} | ${escapeText(e.source)} | ${codeCell(e.baseline)} | ${codeCell(e.candidate)} |`);
  }
  lines.push('', '<details><summary>Diff details</summary>', '', ...detail, '', '</details>');
  return lines.join('\n');
}

function ratio(candidate: number, baseline: number): string {
  return baseline > 0 ? `${(candidate / baseline).toFixed(2)}×` : '—';
}
