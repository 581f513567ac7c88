// Compares what two builds answered to the same inputs: which answers changed, the largest numeric
// deltas beyond a tolerance, new errors, and each side's latency. Pure: plain values in, a report
// out (test/diff/answer-diff.unit.test.ts).
import type { CallAnswer } from '../apply/test-calls.ts';

/** One input called on both builds, with each side's answer and milliseconds. */
export type PairedCall = { source: string; input: unknown; candidate: CallAnswer; baseline: CallAnswer; candidateMs: number; baselineMs: number };

/** A number that moved: where in the answer (JSON pointer), both values, and by how much. */
export type NumericDelta = { source: string; pointer: string; baseline: number; candidate: number; delta: number };

export type Latency = { p50: number; p95: number };

export type DiffReport = {
  calls: number;
  /** Calls whose answers differ (beyond `tolerance` for numbers). */
  changed: number;
  /** Calls the baseline answered and the candidate failed. */
  newErrors: number;
  /** The largest numeric deltas beyond the tolerance, largest first (at most `top`). */
  largestDeltas: NumericDelta[];
  /** A few changed calls, for people to look at. */
  examples: { source: string; input: unknown; baseline: unknown; candidate: unknown }[];
  latencyMs: { candidate: Latency; baseline: Latency };
  tolerance: number;
};

/** Compares paired calls; `top` bounds the deltas and the examples listed. */
export function diffAnswers(calls: readonly PairedCall[], tolerance: number, top = 5): DiffReport {
  let changed = 0;
  let newErrors = 0;
  const deltas: NumericDelta[] = [];
  const examples: DiffReport['examples'] = [];
  for (const call of calls) {
    const found: NumericDelta[] = [];
    const same = sameAnswer(call.baseline, call.candidate, tolerance, (pointer, baseline, candidate) =>
      found.push({ source: call.source, pointer, baseline, candidate, delta: Math.abs(candidate - baseline) }));
    if (call.baseline.ok && !call.candidate.ok) newErrors++;
    if (same) continue;
    changed++;
    deltas.push(...found);
    if (examples.length < top) examples.push({ source: call.source, input: call.input, baseline: shown(call.baseline), candidate: shown(call.candidate) });
  }
  deltas.sort((a, b) => b.delta - a.delta);
  return {
    calls: calls.length, changed, newErrors, largestDeltas: deltas.slice(0, top), examples, tolerance,
    latencyMs: { candidate: latency(calls.map((c) => c.candidateMs)), baseline: latency(calls.map((c) => c.baselineMs)) },
  };
}

function shown(answer: CallAnswer): unknown {
  return answer.ok ? answer.response : { error: answer.message, status: answer.status };
}

function sameAnswer(a: CallAnswer, b: CallAnswer, tolerance: number, delta: (pointer: string, a: number, b: number) => void): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.status === b.status && a.message === b.message;
  return sameValue(a.response, b.response, '', tolerance, delta);
}

/** Deep equality where numbers may differ by `tolerance`; each number beyond it is reported. */
function sameValue(a: unknown, b: unknown, pointer: string, tolerance: number, delta: (pointer: string, a: number, b: number) => void): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) <= tolerance) return true;
    delta(pointer, a, b);
    return false;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    let same = a.length === b.length;
    for (let i = 0; i < Math.min(a.length, b.length); i++) same = sameValue(a[i], b[i], `${pointer}/${i}`, tolerance, delta) && same;
    return same;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    let same = true;
    for (const key of keys) {
      if (!(key in a) || !(key in b)) same = false;
      else same = sameValue(a[key], b[key], `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, tolerance, delta) && same;
    }
    return same;
  }
  return a === b;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** p50 and p95 (nearest rank) of `ms`; 0 for none. */
export function latency(ms: readonly number[]): Latency {
  if (ms.length === 0) return { p50: 0, p95: 0 };
  const sorted = [...ms].sort((x, y) => x - y);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: rank(0.5), p95: rank(0.95) };
}

/** The report for a terminal. */
export function renderDiff(model: string, labels: { candidate: string; baseline: string }, r: DiffReport): string {
  const pct = r.calls === 0 ? 0 : (100 * r.changed) / r.calls;
  const lines = [
    `${model}: ${labels.candidate} against ${labels.baseline} on ${r.calls} inputs: ${r.changed} answers changed (${pct.toFixed(1)} %), ${r.newErrors} new errors`,
    `  latency p50 ${r.latencyMs.candidate.p50.toFixed(2)} ms against ${r.latencyMs.baseline.p50.toFixed(2)} ms, p95 ${r.latencyMs.candidate.p95.toFixed(2)} ms against ${r.latencyMs.baseline.p95.toFixed(2)} ms`,
  ];
  if (r.largestDeltas.length > 0) {
    lines.push(`  largest numeric deltas beyond ${r.tolerance}:`);
    for (const d of r.largestDeltas) lines.push(`    ${d.source} ${d.pointer || '/'}: ${d.baseline} → ${d.candidate} (Δ ${d.delta})`);
  }
  for (const e of r.examples) lines.push(`  changed (${e.source}): ${JSON.stringify(e.input)}: ${JSON.stringify(e.baseline)} → ${JSON.stringify(e.candidate)}`);
  return `${lines.join('\n')}\n`;
}
