// Technical metrics: deltas from the gateway's counters, latency percentiles, CPU from /proc
// readings, 1 min and 1 h rows folded from 10 s samples, and retention, all with an injected clock
// on a real SQLite store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReplicaStats } from '../../src/gateway/types.ts';
import { openStore } from '../../src/store/database.ts';
import { readSamples, recentTotals } from '../../src/store/tech-samples.ts';
import { createCallTally } from '../../src/telemetry/call-tally.ts';
import { emptyHistogram, quantileMs, recordLatency } from '../../src/telemetry/latency-histogram.ts';
import { readProcUsage, sweepingProcUsage } from '../../src/telemetry/proc-usage.ts';
import { createSampler, storeSink } from '../../src/telemetry/sampler.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function replica(id: string, counters: Partial<ReplicaStats>): ReplicaStats {
  return {
    model: 'iris', replicaId: id, origin: 'http://127.0.0.1:1', state: 'ready', inFlight: 0,
    received: 0, processed: 0, success: 0, failure: 0, error: 0, busy: 0, notReady: 0, restarts: 0, ...counters,
  };
}

/** A sampler over plain values the test changes between samples. */
function rig() {
  const store = openStore(':memory:');
  const tally = createCallTally();
  const state = { stats: [] as ReplicaStats[], cpu: new Map<number, number>(), rss: 50_000_000 };
  const sampler = createSampler({
    sink: storeSink(store),
    tally,
    stats: () => state.stats,
    processes: () => state.stats.map((s, i) => ({ id: s.replicaId, model: s.model, pid: 100 + i })),
    usage: (pid) => (state.cpu.has(pid) ? { cpuSeconds: state.cpu.get(pid)!, rssBytes: state.rss } : null),
  });
  return { store, tally, state, sampler };
}

test('latency percentiles come from the histogram within its 10% bucket width', () => {
  const h = emptyHistogram();
  assert.is(quantileMs(h, 0.5), null);
  for (let ms = 1; ms <= 100; ms++) recordLatency(h, ms);
  const p50 = quantileMs(h, 0.5)!;
  const p99 = quantileMs(h, 0.99)!;
  assert.ok(p50 >= 50 && p50 <= 55, `p50 ${p50}`);
  assert.ok(p99 >= 99 && p99 <= 109, `p99 ${p99}`);
});

test('a sample stores counter deltas per replica and per model, bytes and latency per model, CPU from /proc deltas', () => {
  const { store, tally, state, sampler } = rig();
  const timer = tally.callTimer('iris');
  state.stats = [replica('r1', { success: 5, busy: 1 }), replica('r2', { success: 2, failure: 1 })];
  state.cpu.set(100, 10).set(101, 20);
  sampler.sample(T0);
  for (let i = 0; i < 4; i++) timer(0.002, 100, 40);
  timer(0.2, 1000, 10);
  state.stats = [replica('r1', { success: 8, busy: 1, restarts: 1 }), replica('r2', { success: 4, failure: 1, error: 1 })];
  state.cpu.set(100, 15).set(101, 20.5);
  sampler.sample(T0 + 10_000);

  const r1 = readSamples(store, { model: 'iris', replica: 'r1', step: 10, fromMs: 0 });
  assert.equal(r1.map((r) => [r.at, r.success, r.busy, r.restarts]), [[T0, 5, 1, 0], [T0 + 10_000, 3, 0, 1]]);
  assert.is(r1[0]!.cpu, null, 'no CPU rate from a single reading');
  assert.is(r1[1]!.cpu, 0.5, '5 CPU seconds over 10 s');
  assert.is(r1[1]!.rss, 50_000_000);

  const model = readSamples(store, { model: 'iris', step: 10, fromMs: 0 });
  assert.equal(model.map((r) => [r.calls, r.success, r.failure, r.error]), [[8, 7, 1, 0], [6, 5, 0, 1]]);
  assert.is(model[1]!.requestBytes, 1400);
  assert.is(model[1]!.responseBytes, 170);
  assert.is(model[1]!.cpu, 0.55);
  assert.is(model[1]!.rss, 100_000_000);
  assert.ok(model[1]!.p50! >= 2 && model[1]!.p50! < 2.2, `p50 ${model[1]!.p50}`);
  assert.ok(model[1]!.p99! >= 200 && model[1]!.p99! < 220, `p99 ${model[1]!.p99}`);
  assert.is(model[0]!.p50, null, 'no calls, no percentile');
  store.close();
});

test('a replica whose counters fall (a new slot under the same id) counts from zero, not negative', () => {
  const { store, state, sampler } = rig();
  state.stats = [replica('r1', { success: 50 })];
  sampler.sample(T0);
  state.stats = [replica('r1', { success: 3 })];
  sampler.sample(T0 + 10_000);
  assert.equal(readSamples(store, { model: 'iris', replica: 'r1', step: 10, fromMs: 0 }).map((r) => r.success), [50, 3]);
  store.close();
});

test('unsampled: the calls counted since the last stored sample, per model, so nothing waits 10 s to show', () => {
  const { state, sampler } = rig();
  state.stats = [replica('r1', { success: 5 }), replica('r2', { success: 2, failure: 1, error: 2 })];
  assert.equal(sampler.unsampled().get('iris'), { calls: 10, failed: 3 }, 'before any sample: everything counted');
  sampler.sample(T0);
  assert.equal(sampler.unsampled().get('iris'), { calls: 0, failed: 0 });
  state.stats = [replica('r1', { success: 9 }), replica('r2', { success: 2, failure: 2, error: 2 })];
  assert.equal(sampler.unsampled().get('iris'), { calls: 5, failed: 1 });
});

test('10 s samples fold into 1 min and 1 h rows: counters add up, CPU averages, percentiles cover the window', () => {
  const { store, tally, state, sampler } = rig();
  const timer = tally.callTimer('iris');
  let success = 0;
  state.cpu.set(100, 0);
  for (let i = 0; i <= 12; i++) {
    // Two minutes of samples, 10 calls each: 70 fast calls (the first minute and 10 s), then 60 slow.
    success += 10;
    for (let c = 0; c < 10; c++) timer(i < 7 ? 0.001 : 0.1, 10, 10);
    state.stats = [replica('r1', { success })];
    state.cpu.set(100, i * (i < 6 ? 1 : 3)); // 0.1 cores, then more
    sampler.sample(T0 + i * 10_000);
  }
  const minutes = readSamples(store, { model: 'iris', step: 60, fromMs: 0 });
  assert.equal(minutes.map((r) => [r.at - T0, r.samples, r.calls]), [[0, 6, 60], [60_000, 6, 60], [120_000, 1, 10]]);
  assert.ok(minutes[0]!.p95! < 1.2, `fast minute p95 ${minutes[0]!.p95}`);
  assert.ok(minutes[1]!.p95! >= 100, `slow minute p95 ${minutes[1]!.p95}`);
  assert.is(minutes[0]!.requestBytes, 600);
  const hour = readSamples(store, { model: 'iris', step: 3600, fromMs: 0 });
  assert.is(hour.length, 1);
  assert.is(hour[0]!.calls, 130);
  assert.is(hour[0]!.samples, 13);
  assert.ok(hour[0]!.p50! < 1.2 && hour[0]!.p99! >= 100, `hour p50 ${hour[0]!.p50} p99 ${hour[0]!.p99}`);
  assert.equal(recentTotals(store, T0).get('iris'), { calls: 130, failed: 0, p95: minutes[1]!.p95 });
  store.close();
});

test('retention: 10 s rows go after two days, 1 min and 1 h rows after two weeks, run at most hourly', () => {
  const { store, state, sampler } = rig();
  const DAY = 86_400_000;
  state.stats = [replica('r1', { success: 1 })];
  sampler.sample(T0);
  const count = (step: 10 | 60 | 3600) => readSamples(store, { model: 'iris', step, fromMs: 0 }).filter((r) => r.at < T0 + 60_000).length;
  sampler.sample(T0 + 2 * DAY + 60_000);
  assert.is(count(10), 0, '10 s rows older than two days are gone');
  assert.is(count(60), 1);
  assert.is(count(3600), 1);
  sampler.sample(T0 + 14 * DAY + 3_600_000 + 60_000);
  assert.is(count(60), 0, '1 min rows older than two weeks are gone');
  assert.is(readSamples(store, { model: 'iris', step: 3600, fromMs: 0 }).filter((r) => r.at === T0).length, 0);
  assert.ok(readSamples(store, { model: 'iris', step: 60, fromMs: 0 }).length > 0, 'recent rows stay');
  store.close();
});

test('readProcUsage reads CPU seconds and resident memory of a real process, null for one that is gone', () => {
  const mine = readProcUsage(process.pid);
  assert.ok(mine && mine.rssBytes > 1_000_000 && mine.cpuSeconds > 0, JSON.stringify(mine));
  assert.is(readProcUsage(2 ** 22 + 12345), null);
});

/** `sh` running a python3 child that holds `mb` MiB, touched so it is resident; resolves once held. */
async function holder(mb: number): Promise<ChildProcess> {
  const script = `b = bytearray(${mb} << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint("held", flush=True)\nimport sys; sys.stdin.read()`;
  const sh = spawn('sh', ['-c', `python3 -c '${script}'; :`], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => sh.stdout!.once('data', () => resolve()));
  return sh;
}

test('readProcUsage counts the whole tree: a shell whose child holds 64 MiB', async () => {
  const sh = await holder(64);
  try {
    const tree = readProcUsage(sh.pid!)!;
    assert.ok(tree.rssBytes >= 64 * 2 ** 20, `tree rss ${tree.rssBytes}`);
    // A sweep reads /proc once; the next sweep (past its window) sees processes started meanwhile.
    let now = 0;
    const usage = sweepingProcUsage(() => now);
    const before = usage(process.pid)!.rssBytes;
    const second = await holder(32);
    try {
      now = 1_000;
      assert.ok(usage(process.pid)!.rssBytes >= before + 32 * 2 ** 20, 'the new child is counted in the next sweep');
    } finally {
      second.stdin!.end(); // python reads EOF and exits, then the shell
    }
  } finally {
    sh.stdin!.end();
  }
});

test('without /proc children files, the tree comes from every process parent (a /proc laid out in a temp folder)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'slipway-proc-'));
  try {
    // pid (comm) state ppid … utime stime at fields 14 and 15; comm with a space and a ')'.
    const proc = (pid: number, ppid: number, rssKb: number, ticks: number): void => {
      mkdirSync(path.join(root, String(pid)));
      const rest = [ppid, ...Array(9).fill(0), ticks, ticks].join(' ');
      writeFileSync(path.join(root, String(pid), 'stat'), `${pid} (py thon) x) S ${rest} 0 0\n`);
      writeFileSync(path.join(root, String(pid), 'status'), `Name:\tx\nVmRSS:\t  ${rssKb} kB\n`);
    };
    proc(10, 1, 2_000, 1); // the launcher
    proc(11, 10, 100_000, 50); // the model
    proc(12, 11, 50_000, 25); // the model's own subprocess
    proc(20, 1, 900_000, 900); // another replica
    assert.equal(readProcUsage(10, root), { rssBytes: 152_000 * 1024, cpuSeconds: 1.52 });
    assert.equal(readProcUsage(20, root), { rssBytes: 900_000 * 1024, cpuSeconds: 18 });
    assert.is(readProcUsage(30, root), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
