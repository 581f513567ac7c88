// What a rollout compares: the live build's calls and the new deployment's calls over a window
// (a canary's step, a shadow's whole run), fed by the gateway's call tap. Cheap per call: a few
// counters, a bounded list of latencies and, for a shadow, the live answers waiting for their copy.
import type { TappedCall } from '../gateway/types.ts';

/** Latencies kept per side: enough for a stable p95, bounded whatever the traffic. */
const MAX_SAMPLES = 20_000;
/** Live answers waiting for their shadow copy; copies dropped under pressure never come, so the oldest go. */
const MAX_PENDING = 2_000;

/** One side of the comparison. `errors`: answers with a 5xx status (the model raised, timed out, died). */
export type SideSummary = { calls: number; errors: number; errorRate: number; p95Ms: number | null };

/** The comparison as `slipway status` shows it; `compared`/`changed` only for a shadow. */
export type WindowSummary = { live: SideSummary; candidate: SideSummary; compared?: number; changed?: number };

type Side = { calls: number; errors: number; seconds: number[] };

/** Latencies a snapshot keeps per side: a stable p95 after a restart, small enough to save often. */
const SNAPSHOT_SAMPLES = 2_000;

/**
 * A window as saved between processes (the local store, a cluster annotation): its counters and a
 * bounded sample of latencies. Shadow answers waiting for their copy are not kept: a copy in flight
 * while the process stopped is simply not compared.
 */
export type WindowSnapshot = {
  liveId: number;
  candidateId: number;
  compareAnswers: boolean;
  live: Side;
  candidate: Side;
  compared: number;
  changed: number;
};

/** A window over the calls of `liveId` (the primary) and `candidateId` (canary or shadow). */
export class RolloutWindow {
  private readonly live: Side = { calls: 0, errors: 0, seconds: [] };
  private readonly candidate: Side = { calls: 0, errors: 0, seconds: [] };
  private readonly pending = new Map<string, string>();
  private compared = 0;
  private changed = 0;

  private readonly liveId: number;
  private readonly candidateId: number;
  private readonly compareAnswers: boolean;

  constructor(liveId: number, candidateId: number, compareAnswers: boolean) {
    this.liveId = liveId;
    this.candidateId = candidateId;
    this.compareAnswers = compareAnswers;
  }

  /** Counts one settled call; calls of other deployments (one draining after a switch) are ignored. */
  record(call: TappedCall): void {
    const side = call.deploymentId === this.liveId ? this.live : call.deploymentId === this.candidateId ? this.candidate : null;
    if (side === null) return;
    side.calls++;
    if (call.status >= 500) side.errors++;
    if (side.seconds.length < MAX_SAMPLES) side.seconds.push(call.seconds);
    if (!this.compareAnswers) return;
    const key = call.request.toString('latin1');
    const answer = call.answer === null ? `status ${call.status}` : call.answer.toString('latin1');
    if (side === this.live) {
      // A shadow copy is sent after the live answer, so the live call is tapped first.
      this.pending.delete(key);
      this.pending.set(key, answer);
      if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
      return;
    }
    const liveAnswer = this.pending.get(key);
    if (liveAnswer === undefined) return;
    this.pending.delete(key);
    this.compared++;
    if (liveAnswer !== answer) this.changed++;
  }

  /** The window's counters and a sample of its latencies, to resume it in another process. */
  snapshot(): WindowSnapshot {
    const side = (s: Side): Side => ({ calls: s.calls, errors: s.errors, seconds: sampleOf(s.seconds, SNAPSHOT_SAMPLES) });
    return {
      liveId: this.liveId, candidateId: this.candidateId, compareAnswers: this.compareAnswers,
      live: side(this.live), candidate: side(this.candidate), compared: this.compared, changed: this.changed,
    };
  }

  /** A window that goes on from `s`. */
  static restore(s: WindowSnapshot): RolloutWindow {
    const w = new RolloutWindow(s.liveId, s.candidateId, s.compareAnswers);
    for (const [to, from] of [[w.live, s.live], [w.candidate, s.candidate]] as const) {
      to.calls = from.calls;
      to.errors = from.errors;
      to.seconds.push(...from.seconds.slice(0, MAX_SAMPLES));
    }
    w.compared = s.compared;
    w.changed = s.changed;
    return w;
  }

  summary(): WindowSummary {
    const out: WindowSummary = { live: summarize(this.live), candidate: summarize(this.candidate) };
    if (this.compareAnswers) {
      out.compared = this.compared;
      out.changed = this.changed;
    }
    return out;
  }
}

function summarize(side: Side): SideSummary {
  return {
    calls: side.calls,
    errors: side.errors,
    errorRate: side.calls === 0 ? 0 : side.errors / side.calls,
    p95Ms: percentileMs(side.seconds, 0.95),
  };
}

/** At most `n` of `values`, evenly spaced, so the sample keeps the distribution's shape. */
function sampleOf(values: readonly number[], n: number): number[] {
  if (values.length <= n) return [...values];
  const step = values.length / n;
  return Array.from({ length: n }, (_, i) => values[Math.floor(i * step)]);
}

/** The `q` quantile of `seconds` in milliseconds (nearest rank); null with no sample. */
export function percentileMs(seconds: readonly number[], q: number): number | null {
  if (seconds.length === 0) return null;
  const sorted = [...seconds].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] * 1000;
}
