// What capture costs a call: the call tap's work on the gateway's path (sample draw, daily cap,
// queueing) per call, and the batched write (parse, redact, insert into SQLite) per captured call,
// which runs off the call's path once a second. A real store file in a temp folder; no timing
// thresholds, figures only.
//
//   node bench/capture-cost.ts [calls, default 200000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

function measure(label: string, sample: number, flushEvery: number): void {
  saveCaptureSettings(store, new Map([['iris', { sample, maxPerDay: 1e9, retentionDays: 14, redact: ['/customer/email'] }]]));
  const recorder = createCaptureRecorder({ store, log: console.error, flushMs: 3_600_000 });
  const tap = recorder.tap('iris');
  const records = Array.from({ length: calls }, (_, i) => call(i));
  let tapNs = 0n;
  let flushNs = 0n;
  let flushes = 0;
  let longestFlushNs = 0n;
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    tap(records[i]);
    tapNs += process.hrtime.bigint() - t0;
    if ((i + 1) % flushEvery === 0) {
      const f0 = process.hrtime.bigint();
      recorder.flush();
      const took = process.hrtime.bigint() - f0;
      flushNs += took;
      flushes++;
      if (took > longestFlushNs) longestFlushNs = took;
    }
  }
  recorder.close();
  const captured = Math.round(calls * sample);
  console.log(`| ${label} | ${calls} | ${(Number(tapNs) / calls / 1000).toFixed(2)} | ${captured === 0 ? '-' : (Number(flushNs) / captured / 1000).toFixed(1)} | ${flushes === 0 ? '-' : (Number(longestFlushNs) / 1e6).toFixed(1)} |`);
  store.db.exec('DELETE FROM captures');
}

try {
  console.log(`\ncapture-cost, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
  console.log('| case | calls | tap µs/call (on the call path) | write µs per captured call (batched, off the path) | longest batch ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  measure('capture off for the model (no settings)', 0, calls);
  measure('sample 0.05, a batch per 1,000 calls (≈1 s at 1,000 calls/s)', 0.05, 1000);
  measure('sample 1 (every call), a batch per 1,000 calls', 1, 1000);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
