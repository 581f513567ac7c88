// What storing technical metrics costs the calls: the per-call work (the call tally's recorder,
// fed by the gateway beside the Prometheus histogram) against the gateway's own p50, and the time
// one 10 s sample of 50 models × 2 replicas holds the event loop (SQLite on a real file).
//
//   node bench/telemetry-cost.ts [--write]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReplicaStats } from '../src/gateway/types.ts';
import { createGatewayMetrics } from '../src/gateway/prometheus.ts';
import { openStore } from '../src/store/database.ts';
import { createCallTally } from '../src/telemetry/call-tally.ts';
import { createSampler, storeSink } from '../src/telemetry/sampler.ts';
import { machineLine } from './machine.ts';
import { loadLine, report, today } from './support/results.ts';

const CALLS = 2_000_000;
/** The gateway's p50 per call on this machine (bench/RESULTS.md, gateway-vs-peers, 1 connection). */
const GATEWAY_P50_MS = 0.132;

function perCallNs(fn: (s: number, a: number, b: number) => void): number {
  for (let i = 0; i < 100_000; i++) fn(0.0001 * (i % 50), 40, 60);
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn(0.0001 * (i % 50), 40, 60);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

const tally = createCallTally();
const prom = createGatewayMetrics();
const tallyNs = perCallNs(tally.callTimer('m'));
const promNs = perCallNs(prom.callTimer('m'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-telemetry-'));
const store = openStore(path.join(dir, 'state.db'));
const models = Array.from({ length: 50 }, (_, i) => `model-${i}`);
const timers = models.map((m) => tally.callTimer(m));
let round = 0;
const stats = (): ReplicaStats[] =>
  models.flatMap((model) => [1, 2].map((r) => ({
    model, replicaId: `${model}-${r}`, origin: '', state: 'ready' as const, inFlight: 0, received: round * 10,
    processed: round * 10, success: round * 9, failure: round, error: 0, busy: 0, notReady: 0, restarts: 0,
  })));
const sampler = createSampler({ sink: storeSink(store), tally, stats, processes: () => [], usage: () => null });
const times: number[] = [];
const t0 = Date.UTC(2026, 0, 1);
for (round = 0; round < 360; round++) {
  for (const t of timers) for (let c = 0; c < 10; c++) t(0.001, 40, 60);
  const start = performance.now();
  sampler.sample(t0 + round * 10_000);
  times.push(performance.now() - start);
}
store.close();
rmSync(dir, { recursive: true, force: true });
times.sort((a, b) => a - b);
const p50 = times[Math.floor(times.length / 2)]!;
const max = times[times.length - 1]!;

report(`## Telemetry cost (${today()})

${machineLine()}
${loadLine()}
\`node bench/telemetry-cost.ts\`: ${CALLS.toLocaleString('en')} recorded calls; 360 samples (one hour of 10 s rounds) of 50 models × 2 replicas into a SQLite file.

| what | figure |
| --- | ---: |
| call tally, per call | ${tallyNs.toFixed(0)} ns |
| Prometheus histogram (already paid), per call | ${promNs.toFixed(0)} ns |
| call tally ÷ gateway p50 (${GATEWAY_P50_MS} ms) | ${((tallyNs / 1e6 / GATEWAY_P50_MS) * 100).toFixed(3)} % |
| one sample written (50 models, 100 replicas, 3 steps), p50 | ${p50.toFixed(2)} ms |
| one sample written, worst of 360 | ${max.toFixed(2)} ms |
| event loop held by sampling, share of time | ${((p50 / 10_000) * 100).toFixed(3)} % |

Calls pay only the tally (added numbers and one histogram bucket); the store is written every 10 s,
off the call path, and holds the event loop for the figure above once per round.`);
