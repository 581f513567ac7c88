// What capture costs a call: the call tap's work on the gateway's path (sample draw, daily cap,
// queueing) per call, and the batched write (parse, redact, insert into SQLite) per captured call,
// which runs off the call's path once a second, with the longest the write holds the event loop
// (what a call arriving meanwhile waits). A real store file in a temp folder; no timing
// thresholds, figures only.
//
//   node bench/capture-cost.ts [calls, default 200000]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createCaptureRecorder } from '../src/capture/recorder.ts';
import type { TappedCall } from '../src/gateway/types.ts';
import { saveCaptureSettings } from '../src/store/captures.ts';
import { openStore } from '../src/store/database.ts';

const calls = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-capture-bench-'));
const store = openStore(path.join(dir, 'state.db'));
const request = Buffer.from('{"petal_length": 5.4, "customer": {"email": "a@b.c", "id": 7}}');
const answer = Buffer.from('{"response": {"petal_width": 1.882, "score": 0.93}, "metrics": null, "uuid": null}');
const call = (i: number): TappedCall => ({
  model: 'iris', deploymentId: 1, build: 1, role: 'primary', replicaId: 'iris-1', request, answer, status: 200,
  outcome: 'success', seconds: 0.0003, startedAt: Date.now() + i,
});

/**
 * How a batch is written. `batch, durable`: the whole batch in one transaction committed with
 * synchronous = FULL, the loop held until it is done (how the recorder wrote before 2026-12-01:
 * recorder.flush() inside a durable transaction, which the capture insert joins). `sliced`: the
 * recorder's timer path (drain): slices of 100 calls, one per turn of the loop, relaxed commits.
 */
type Mode = 'batch, durable' | 'sliced';

async function measure(label: string, sample: number, flushEvery: number, mode: Mode): Promise<void> {
  saveCaptureSettings(store, new Map([['iris', { sample, maxPerDay: 1e9, retentionDays: 14, redact: ['/customer/email'] }]]));
  const recorder = createCaptureRecorder({ store, log: console.error, flushMs: 3_600_000 });
  const tap = recorder.tap('iris');
  const records = Array.from({ length: calls }, (_, i) => call(i));
  let tapNs = 0n;
  let flushNs = 0n;
  let flushes = 0;
  const holdsNs: bigint[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    tap(records[i]);
    tapNs += process.hrtime.bigint() - t0;
    if ((i + 1) % flushEvery === 0) {
      const f0 = process.hrtime.bigint();
      if (mode === 'batch, durable') {
        store.transaction(() => recorder.flush());
        holdsNs.push(process.hrtime.bigint() - f0);
      } else {
        // How long the loop was held: the gaps between turns a probe sees, as a call arriving
        // during the write would wait (a batch written at once is one hold).
        let last = f0;
        let writing = true;
        const probe = (): void => {
          const t = process.hrtime.bigint();
          holdsNs.push(t - last);
          last = t;
          if (writing) setImmediate(probe);
        };
        const written = recorder.drain();
        probe();
        await written;
        writing = false;
        await new Promise((resolve) => setImmediate(resolve));
      }
      flushNs += process.hrtime.bigint() - f0;
      flushes++;
    }
  }
  recorder.close();
  const captured = Math.round(calls * sample);
  const holds = holdsNs.map((ns) => Number(ns) / 1e6).sort((a, b) => a - b);
  const hold = (q: number): string => (holds.length === 0 ? '-' : holds[Math.min(holds.length - 1, Math.floor(q * holds.length))].toFixed(1));
  console.log(`| ${label} | ${mode} | ${calls} | ${(Number(tapNs) / calls / 1000).toFixed(2)} | ${captured === 0 ? '-' : (Number(flushNs) / captured / 1000).toFixed(1)} | ${flushes === 0 ? '-' : `${hold(0.5)} / ${hold(0.99)} / ${hold(1)}`} |`);
  store.db.exec('DELETE FROM captures');
}

try {
  console.log(`\ncapture-cost, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}\n`);
  console.log('| case | write | calls | tap µs/call (on the call path) | write µs per captured call (off the path) | loop held ms: median / p99 / longest |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  await measure('capture off for the model (no settings)', 0, calls, 'sliced');
  for (const mode of ['batch, durable', 'sliced'] as const) {
    await measure('sample 0.05, a batch per 1,000 calls (≈1 s at 1,000 calls/s)', 0.05, 1000, mode);
    await measure('sample 1 (every call), a batch per 1,000 calls', 1, 1000, mode);
  }
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
