// Chart data built from stored rows by pure functions; dashboard.js only hands them to uPlot.
// Each chart is `{id, title, unit, series: [label...], data: [xs, ys...]}` with xs in seconds.
import type { SampleStep, TechRow } from '../store/tech-samples.ts';

export type ChartRange = '1h' | '24h' | '7d' | '14d';
export const RANGE_MS: Record<ChartRange, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '14d': 14 * 86_400_000 };
/** The rows a range reads: 10 s rows for an hour (360 points), 1 min for a day, 1 h beyond. */
export const RANGE_STEP: Record<ChartRange, SampleStep> = { '1h': 10, '24h': 60, '7d': 3600, '14d': 3600 };

export function isRange(value: string | null): value is ChartRange {
  return value !== null && value in RANGE_MS;
}

/** `empty`: what the chart says while it has samples but no point (CPU after its first sample). */
export type Chart = { id: string; title: string; unit: string; series: string[]; data: Array<Array<number | null>>; empty?: string };

/** The charts of every technical metric from a model's rows (the model's totals, replica ''). */
export function technicalCharts(rows: readonly TechRow[]): Chart[] {
  const xs = rows.map((r) => r.at / 1000);
  const col = (f: (r: TechRow) => number | null) => rows.map(f);
  const perSecond = (f: (r: TechRow) => number) => rows.map((r) => f(r) / r.step);
  return [
    { id: 'calls', title: 'Calls by outcome', unit: 'calls / s', series: ['success', 'failure', 'error'], data: [xs, perSecond((r) => r.success), perSecond((r) => r.failure), perSecond((r) => r.error)] },
    { id: 'latency', title: 'Latency', unit: 'ms', series: ['p50', 'p95', 'p99'], data: [xs, col((r) => r.p50), col((r) => r.p95), col((r) => r.p99)] },
    { id: 'busy', title: 'Busy (429) and restarts', unit: 'count', series: ['busy', 'restarts'], data: [xs, col((r) => r.busy), col((r) => r.restarts)] },
    { id: 'bytes', title: 'Request and response size', unit: 'bytes / call', series: ['request', 'response'], data: [xs, col((r) => (r.calls ? r.requestBytes / r.calls : null)), col((r) => (r.calls ? r.responseBytes / r.calls : null))] },
    { id: 'cpu', title: 'CPU', unit: 'cores', series: ['cpu'], data: [xs, col((r) => (r.cpu === null ? null : Number(r.cpu.toFixed(4))))], empty: 'CPU needs two samples: it is measured between them (one every 10 s).' },
    { id: 'memory', title: 'Memory (RSS)', unit: 'MiB', series: ['rss'], data: [xs, col((r) => (r.rss === null ? null : Number((r.rss / 2 ** 20).toFixed(2))))] },
  ];
}

/** One entry of the metrics API's answer (read_metrics). */
export type TrackedEntry = { predictionUuid: string | null; startTimeStampMs: number; metrics: Record<string, unknown> };

/** Per tracked metric name: its numeric points as a chart, and its last values as table rows. */
export function trackedCharts(entries: readonly TrackedEntry[], tableRows = 20): Array<Chart & { rows: Array<{ at: number; uuid: string | null; value: string }> }> {
  const byName = new Map<string, Array<{ at: number; uuid: string | null; value: unknown }>>();
  for (const e of entries) {
    for (const [name, value] of Object.entries(e.metrics)) {
      let list = byName.get(name);
      if (!list) byName.set(name, (list = []));
      list.push({ at: e.startTimeStampMs, uuid: e.predictionUuid, value });
    }
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, points]) => {
      points.sort((a, b) => a.at - b.at);
      const numeric = points.filter((p) => typeof p.value === 'number');
      return {
        id: `tracked-${name}`,
        title: name,
        unit: '',
        series: [name],
        data: [numeric.map((p) => p.at / 1000), numeric.map((p) => p.value as number)],
        rows: points.slice(-tableRows).reverse().map((p) => ({ at: p.at, uuid: p.uuid, value: JSON.stringify(p.value) })),
      };
    });
}
