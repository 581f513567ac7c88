// A diff report judged against a model's policies (models.yaml `diff` and `latencyBudget`): the
// one-line verdict a pull request shows, led by the latency ratio (absolute times on shared runners
// are noisy; two builds measured alternately in one run are not), and what, if anything, breached.
// Pure (test/diff/diff-policy.unit.test.ts).
import type { DiffReport } from './answer-diff.ts';

/** The policies a model declares; each absent key checks nothing. */
export type DiffPolicy = {
  /** Red when the share of changed answers is over this (0 to 1). */
  maxChanged?: number;
  /** Red when the candidate's p95 is over this many milliseconds. */
  p95Ms?: number;
  /** Red when the candidate's p95 is over this many times the baseline's. */
  maxSlowdown?: number;
};

export type DiffJudgement = {
  ok: boolean;
  /** Candidate p95 over baseline p95; null when the baseline's is 0 (nothing measured). */
  ratio: number | null;
  /** One line for people: the ratio first, then the answers. */
  verdict: string;
  /** Each policy the candidate breached, in words. */
  breaches: string[];
};

/** Judges `r` against `policy`. */
export function judgeDiff(r: DiffReport, policy: DiffPolicy): DiffJudgement {
  const cand = r.latencyMs.candidate.p95;
  const base = r.latencyMs.baseline.p95;
  const ratio = base > 0 ? cand / base : null;
  const share = r.calls === 0 ? 0 : r.changed / r.calls;
  const breaches: string[] = [];
  if (policy.maxChanged !== undefined && share > policy.maxChanged) {
    breaches.push(`${percent(share)} of answers changed, over diff.maxChanged ${percent(policy.maxChanged)}`);
  }
  if (policy.maxSlowdown !== undefined && ratio !== null && ratio > policy.maxSlowdown) {
    breaches.push(`p95 ${times(ratio)} the deployed build's, over latencyBudget.maxSlowdown ${times(policy.maxSlowdown)}`);
  }
  if (policy.p95Ms !== undefined && cand > policy.p95Ms) {
    breaches.push(`p95 ${ms(cand)}, over latencyBudget.p95 ${ms(policy.p95Ms)}`);
  }
  const speed = ratio === null ? 'latency not measured' : `p95 ${times(ratio)} the deployed build's (${ms(cand)} against ${ms(base)})`;
  const answers = `${r.changed} of ${r.calls} answers changed (${percent(share)})`;
  const extra = [
    r.newErrors > 0 ? `${r.newErrors} new error${r.newErrors === 1 ? '' : 's'}` : '',
    r.shapeChanges.length > 0 ? `${r.shapeChanges.length} shape change${r.shapeChanges.length === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const verdict = [speed, answers, ...extra].join(' · ');
  return { ok: breaches.length === 0, ratio, verdict, breaches };
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

function times(x: number): string {
  return `${x.toFixed(2)}×`;
}

function ms(x: number): string {
  return `${x.toFixed(2)} ms`;
}
