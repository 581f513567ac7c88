// Compares what two builds answered to the same inputs: which answers changed, the largest numeric
// deltas beyond a tolerance, changes of JSON shape, new errors, and each side's latency. Pure: plain values in, a report
// out (test/diff/answer-diff.unit.test.ts).
import type { CallAnswer } from '../apply/test-calls.ts';

/** One input called on both builds, with each side's answer and milliseconds. */
export type PairedCall = { source: string; input: unknown; candidate: CallAnswer; baseline: CallAnswer; candidateMs: number; baselineMs: number };

/** A number that moved: where in the answer (JSON pointer), both values, and by how much. */
export type NumericDelta = { source: string; pointer: string; baseline: number; candidate: number; delta: number };

export type Latency = { p50: number; p95: number; p99: number };

/**
 * A change of JSON shape between the answers: a key the candidate added or removed, or a value
 * whose JSON type changed. `pointer` writes array indices as `*`, so one change is listed once
 * with the number of calls it was seen in.
 */
export type ShapeChange = { kind: 'added' | 'removed' | 'type'; pointer: string; baseline: string | null; candidate: string | null; calls: number; source: string };

export type DiffReport = {
  calls: number;
  /** Calls whose answers differ (beyond `tolerance` for numbers). */
  changed: number;
  /** Calls the baseline answered and the candidate failed. */
  newErrors: number;
  /** The largest numeric deltas beyond the tolerance, largest first (at most `top`). */
  largestDeltas: NumericDelta[];
  /** Keys added or removed and values whose JSON type changed, in order of first sight. */
  shapeChanges: ShapeChange[];
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
  const shapes = new Map<string, ShapeChange>();
  for (const call of calls) {
    if (call.baseline.ok && call.candidate.ok) {
      const seen = new Set<string>();
      shapeChanges(call.baseline.response, call.candidate.response, '', (kind, pointer, baseline, candidate) => {
        const id = `${kind} ${pointer} ${baseline} ${candidate}`;
        if (seen.has(id)) return;
        seen.add(id);
        const known = shapes.get(id);
        if (known) known.calls++;
        else shapes.set(id, { kind, pointer, baseline, candidate, calls: 1, source: call.source });
      });
    }
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
    calls: calls.length, changed, newErrors, largestDeltas: deltas.slice(0, top), shapeChanges: [...shapes.values()], examples, tolerance,
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

/** The JSON type of a value, as people say it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

type ShapeSink = (kind: ShapeChange['kind'], pointer: string, baseline: string | null, candidate: string | null) => void;

/** Reports each key added or removed and each value whose JSON type differs between `a` (baseline) and `b`. */
function shapeChanges(a: unknown, b: unknown, pointer: string, sink: ShapeSink): void {
  const [ta, tb] = [jsonType(a), jsonType(b)];
  if (ta !== tb) return sink('type', pointer, ta, tb);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) shapeChanges(a[i], b[i], `${pointer}/*`, sink);
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (!(key in a)) sink('added', at, null, jsonType(b[key]));
      else if (!(key in b)) sink('removed', at, jsonType(a[key]), null);
      else shapeChanges(a[key], b[key], at, sink);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** p50, p95 and p99 (nearest rank) of `ms`; 0 for none. */
export function latency(ms: readonly number[]): Latency {
  if (ms.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const sorted = [...ms].sort((x, y) => x - y);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99) };
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
  for (const c of r.shapeChanges) lines.push(`  shape: ${describeShape(c)} (${c.calls} call${c.calls === 1 ? '' : 's'}, first ${c.source})`);
  for (const e of r.examples) lines.push(`  changed (${e.source}): ${JSON.stringify(e.input)}: ${JSON.stringify(e.baseline)} → ${JSON.stringify(e.candidate)}`);
  return `${lines.join('\n')}\n`;
}

/** One shape change in words: "key /note added (string)". */
export function describeShape(c: ShapeChange): string {
  const at = c.pointer || '/';
  if (c.kind === 'added') return `key ${at} added (${c.candidate})`;
  if (c.kind === 'removed') return `key ${at} removed (was ${c.baseline})`;
  return `${at} changed type: ${c.baseline} → ${c.candidate}`;
}
