// Technical metrics: every 10 s, what each model and replica did since the last sample (counter
// deltas from the gateway, calls and latency from the call tally, CPU and memory of each replica)
// goes to a sink, folded into 1 min and 1 h rows: the daemon's store (storeSink), or the cluster's
// metrics store (metrics-store/tech-forwarder.ts). Once an hour the sink's retention job deletes
// old rows. The clock is the caller's: `sample(nowMs)` does one round, so tests drive it with any
// times and never sleep.
import type { ReplicaStats } from '../gateway/types.ts';
import type { Store } from '../store/database.ts';
import { STEPS, windowStart, writeSamples, type SampleStep, type TechSample, type WindowLatency } from '../store/tech-samples.ts';
import type { TechWrite } from '../metrics-store/tech-rows.ts';
import type { CallTally } from './call-tally.ts';
import { emptyHistogram, mergeInto, quantileMs, type LatencyHistogram } from './latency-histogram.ts';
import type { ProcUsage } from './proc-usage.ts';
import { applyRetention } from './retention.ts';

export const SAMPLE_INTERVAL_MS = 10_000;
const RETENTION_EVERY_MS = 3_600_000;

/** Where samples go: each round's samples with the percentiles of each step's window. */
export type TechSink = {
  write(atMs: number, samples: TechWrite[]): void;
  /** Deletes rows past retention at `nowMs`; how many. Absent where the store does it itself. */
  retain?(nowMs: number): number;
};

/** The daemon's sink: its own store. */
export function storeSink(store: Store): TechSink {
  return {
    write: (atMs, samples) => writeSamples(store, atMs, samples, (s, step) => (s as TechWrite).latency[step]),
    retain: (nowMs) => {
      const gone = applyRetention(store, nowMs);
      return gone[10] + gone[60] + gone[3600];
    },
  };
}

export type SamplerDeps = {
  sink: TechSink;
  tally: CallTally;
  /** The gateway's per-replica counters (cumulative). */
  stats: () => ReplicaStats[];
  /** Running replica processes (locally, where their /proc can be read). */
  processes?: () => Array<{ id: string; model: string; pid: number | null }>;
  /** CPU and memory of a process tree, or null when it is gone. */
  usage?: (pid: number) => ProcUsage | null;
  /**
   * Instead of processes and usage (on a cluster): each replica's CPU (cores) and memory (bytes) as
   * last measured elsewhere, by replica id.
   */
  replicaUsage?: () => Map<string, { cpu: number | null; rss: number | null }>;
  log?: (line: string) => void;
};

type Previous = { counters: ReplicaStats; cpu: { pid: number; seconds: number; atMs: number } | null };

export type Sampler = {
  /** Takes one sample at `nowMs` and stores it; runs the retention job when it is due. */
  sample(nowMs: number): void;
  /**
   * Each model's calls and failed calls (failure + error) counted by the gateway since the last
   * sample: what the stored rows do not hold yet, so a page adding both shows every call at once.
   */
  unsampled(): Map<string, { calls: number; failed: number }>;
};

const COUNTERS = ['success', 'failure', 'error', 'busy', 'restarts'] as const;

export function createSampler(deps: SamplerDeps): Sampler {
  const previous = new Map<string, Previous>();
  /** Per model and step: the window start and the latency of that window so far. */
  const windows = new Map<string, { at: number; histogram: LatencyHistogram }>();
  let lastRetention = -Infinity;

  function windowLatency(model: string, step: SampleStep, nowMs: number, added: LatencyHistogram | undefined): WindowLatency {
    const key = `${model}\u0000${step}`;
    const at = windowStart(nowMs, step);
    let w = windows.get(key);
    if (!w || w.at !== at) windows.set(key, (w = { at, histogram: emptyHistogram() }));
    if (added) mergeInto(w.histogram, added);
    return { p50: quantileMs(w.histogram, 0.5), p95: quantileMs(w.histogram, 0.95), p99: quantileMs(w.histogram, 0.99) };
  }

  const sinceLast = (s: ReplicaStats, field: (typeof COUNTERS)[number]): number => {
    const was = previous.get(s.replicaId)?.counters[field] ?? 0;
    // A counter lower than before belongs to a new slot with the same id: count from zero.
    return s[field] >= was ? s[field] - was : s[field];
  };

  return {
    unsampled() {
      const byModel = new Map<string, { calls: number; failed: number }>();
      for (const s of deps.stats()) {
        const failed = sinceLast(s, 'failure') + sinceLast(s, 'error');
        const calls = sinceLast(s, 'success') + failed;
        const m = byModel.get(s.model) ?? { calls: 0, failed: 0 };
        byModel.set(s.model, { calls: m.calls + calls, failed: m.failed + failed });
      }
      return byModel;
    },
    sample(nowMs) {
      const calls = deps.tally.take();
      const pids = new Map((deps.processes?.() ?? []).map((p) => [p.id, p.pid]));
      const measured = deps.replicaUsage?.();
      const samples: TechSample[] = [];
      const totals = new Map<string, TechSample>();
      const total = (model: string): TechSample => {
        let t = totals.get(model);
        if (!t) {
          t = { model, replica: '', calls: 0, success: 0, failure: 0, error: 0, busy: 0, restarts: 0, requestBytes: 0, responseBytes: 0, cpu: null, rss: null };
          totals.set(model, t);
        }
        return t;
      };
      const seen = new Set<string>();
      for (const s of deps.stats()) {
        seen.add(s.replicaId);
        const before = previous.get(s.replicaId);
        const delta = (field: (typeof COUNTERS)[number]): number => sinceLast(s, field);
        const row: TechSample = {
          model: s.model, replica: s.replicaId, calls: 0, success: delta('success'), failure: delta('failure'),
          error: delta('error'), busy: delta('busy'), restarts: delta('restarts'), requestBytes: 0, responseBytes: 0, cpu: null, rss: null,
        };
        row.calls = row.success + row.failure + row.error;
        const pid = pids.get(s.replicaId) ?? null;
        let cpuMark: Previous['cpu'] = null;
        const used = pid === null || !deps.usage ? null : deps.usage(pid);
        const elsewhere = measured?.get(s.replicaId);
        if (elsewhere) {
          row.cpu = elsewhere.cpu;
          row.rss = elsewhere.rss;
        } else if (pid !== null && used) {
          row.rss = used.rssBytes;
          const was = before?.cpu;
          if (was && was.pid === pid && nowMs > was.atMs && used.cpuSeconds >= was.seconds) {
            row.cpu = (used.cpuSeconds - was.seconds) / ((nowMs - was.atMs) / 1000);
          }
          cpuMark = { pid, seconds: used.cpuSeconds, atMs: nowMs };
        }
        previous.set(s.replicaId, { counters: { ...s }, cpu: cpuMark });
        samples.push(row);
        const t = total(s.model);
        for (const f of COUNTERS) t[f] += row[f];
        t.calls += row.calls;
        if (row.cpu !== null) t.cpu = (t.cpu ?? 0) + row.cpu;
        if (row.rss !== null) t.rss = (t.rss ?? 0) + row.rss;
      }
      for (const id of previous.keys()) if (!seen.has(id)) previous.delete(id);
      for (const [model, w] of calls) {
        const t = total(model);
        t.requestBytes = w.requestBytes;
        t.responseBytes = w.responseBytes;
      }
      samples.push(...totals.values());
      const latencyOf = new Map<string, Record<SampleStep, WindowLatency>>();
      for (const model of totals.keys()) {
        const added = calls.get(model)?.latency;
        const byStep = {} as Record<SampleStep, WindowLatency>;
        for (const step of STEPS) byStep[step] = windowLatency(model, step, nowMs, added);
        latencyOf.set(model, byStep);
      }
      const none: WindowLatency = { p50: null, p95: null, p99: null };
      const noLatency = { 10: none, 60: none, 3600: none };
      deps.sink.write(nowMs, samples.map((s) => ({ ...s, latency: s.replica === '' ? latencyOf.get(s.model)! : noLatency })));
      if (deps.sink.retain && nowMs - lastRetention >= RETENTION_EVERY_MS) {
        lastRetention = nowMs;
        const count = deps.sink.retain(nowMs);
        if (count > 0) deps.log?.(`telemetry: ${count} technical metric rows past retention deleted`);
      }
    },
  };
}

/** Samples every 10 s with the real clock until the returned function is called. */
export function startSampling(sampler: Sampler, log: (line: string) => void): () => void {
  const timer = setInterval(() => {
    try {
      sampler.sample(Date.now());
    } catch (error) {
      log(`telemetry: cannot store a sample: ${(error as Error).message}`);
    }
  }, SAMPLE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
