// Benchmark (not a test): the add-numbers model served by a real Slipway daemon (`slipway up -d`,
// 1 replica, auth: false) beside gunicorn + Flask and uvicorn + FastAPI serving the same function
// directly with 1 worker, and the runtime replica called directly (POST /invoke) as the floor.
// wrk loads each alone in turn at 1 and 8 connections; req/s, p50, p99, server CPU per call, and
// the ratios, all in one run.
//
//   node bench/gateway-vs-peers.ts [--seconds 10] [--warmup 2] [--rounds 1] [--write]
//       (--rounds N: the whole sequence N times; each cell is the median over rounds)
//   node bench/gateway-vs-peers.ts --profile [--seconds 10] [--write]
//       (daemon under `node --cpu-prof`, /models/add-numbers at 1 connection only: where its time goes)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';
import { hasUvloop, peerVersions, startPeer, type PeerName } from './support/peers.ts';
import { cpuMs, processCpuSplitMs, processTree } from './support/proc-cpu.ts';
import { benchProject, type BenchProject } from './support/project.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';
import { daemonProfile, groupRounds, medianWrk } from './support/rounds.ts';
import { runWrk, wrkVersion, type WrkResult, type WrkTarget } from './support/wrk.ts';

const seconds = Number(argValue('--seconds') ?? 10);
const warmup = Number(argValue('--warmup') ?? 2);
const profile = process.argv.includes('--profile');
const rounds = profile ? 1 : Number(argValue('--rounds') ?? 1);
const BODY = '{"a":3,"b":5}';
const LOADS = [
  { threads: 1, connections: 1 },
  { threads: 2, connections: 8 },
];

/** `cpu`: server CPU µs per call per process group (Slipway: daemon, replica); null for a group not measured. */
type Row = { key: string; label: string; connections: number; r: WrkResult; cpu: (number | null)[]; firstSplit: { user: number; system: number } | null };
const rows: Row[] = [];
const commands: string[] = [];
let round = 1;

/** Warm-up run (not kept), then the measured run with the CPU the servers used meanwhile. */
async function measure(key: string, label: string, target: WrkTarget, cpuPids: () => number[][], loads = LOADS): Promise<void> {
  for (const load of loads) {
    await runWrk(target, { ...load, seconds: warmup });
    const groups = cpuPids();
    const before = groups.map(cpuMs);
    const splitBefore = groups[0].length === 1 ? processCpuSplitMs(groups[0][0]) : null;
    const r = await runWrk(target, { ...load, seconds });
    const used = groups.map((pids, i) => cpuMs(pids) - before[i]);
    const splitAfter = splitBefore ? processCpuSplitMs(groups[0][0]) : null;
    const firstSplit = splitBefore && splitAfter
      ? { user: (1000 * (splitAfter.user - splitBefore.user)) / r.requests, system: (1000 * (splitAfter.system - splitBefore.system)) / r.requests }
      : null;
    const perCall = used.map((ms, i) => (groups[i].length === 0 ? null : (1000 * ms) / r.requests));
    rows.push({ key, label, connections: load.connections, r, cpu: perCall, firstSplit });
    const errors = r.non2xx + r.socketErrors > 0 ? `  NON-2XX ${r.non2xx} SOCKET ERRORS ${r.socketErrors}` : '';
    console.log(`${label.padEnd(48)} c${load.connections}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)} ms  CPU µs/call ${cpuText(perCall)}${errors}`);
  }
}

async function slipway(): Promise<string | null> {
  let project: BenchProject | null = null;
  const profDir = profile ? mkdtempSync(path.join(os.tmpdir(), 'slipway-prof-')) : null;
  const env = profDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } : {};
  let daemonPid = 0;
  try {
    project = await benchProject({ replicas: 1, auth: false });
    await project.ok(['up', '-d', '--port', String(project.port)], env);
    if (round === 1) commands.push(`slipway up -d --port ${project.port}   (models.yaml: add-numbers, replicas: 1, auth: false)`);
    daemonPid = project.daemonPid()!;
    const [origin] = await project.replicaOrigins('add-numbers');
    await project.rememberPids();
    const replicaPids = processTree(daemonPid).filter((p) => p !== daemonPid);
    const cpu = (): number[][] => [[daemonPid], replicaPids];
    const accessKey = project.accessKey('add-numbers');
    if (profile) {
      await measure('models', 'Slipway POST /models/add-numbers (profiled)', { url: `${project.url}/models/add-numbers`, body: BODY }, cpu, [LOADS[0]]);
    } else {
      // Local replicas listen on Unix sockets, which wrk cannot reach: bench/data-path.ts measures
      // the floor with a runtime replica on TCP instead.
      if (!origin?.startsWith('unix:')) await measure('direct', 'replica direct POST /invoke (floor)', { url: `${origin}/invoke`, body: BODY }, () => [[], replicaPids]);
      await measure('models', 'Slipway POST /models/add-numbers', { url: `${project.url}/models/add-numbers`, body: BODY }, cpu);
      await measure('cml', 'Slipway POST /model (CML, accessKey)', { url: `${project.url}/model`, body: `{"accessKey":"${accessKey}","request":${BODY}}` }, cpu);
    }
  } finally {
    await project?.cleanup();
  }
  if (!profDir) return null;
  try {
    const calls = rows.reduce((n, r) => n + r.r.requests, 0);
    const split = rows[0]?.firstSplit;
    const procLine = split
      ? `Daemon CPU per call from /proc over the measured run (profiler included): user ${split.user.toFixed(1)} µs, system ${split.system.toFixed(1)} µs. ` +
        'The profile\'s time "in writev" is wall time inside the send call: the kernel\'s loopback send path, plus any time the daemon waits there ' +
        'for the CPU after waking the receiver (wrk or the replica) on a 2-core machine.'
      : '';
    return [daemonProfile(profDir, daemonPid, calls), '', procLine].join('\n');
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
}

async function peer(name: PeerName): Promise<void> {
  const p = await startPeer(name);
  try {
    if (round === 1) commands.push(p.command);
    await measure(name, p.label, { url: p.url, body: BODY }, () => [[], processTree(p.pid)]);
  } finally {
    await p.stop();
  }
}

function cpuText(cpu: (number | null)[]): string {
  return cpu.filter((v): v is number => v !== null).map((v) => v.toFixed(0)).join(' + ');
}

/** One row per server and load: the median of each number over the rounds. */
function aggregate(): Row[] {
  return groupRounds(rows).map((same) => {
    const row = same[0]!;
    const med = (f: (x: Row) => number): number => median(same.map(f));
    return { ...row, r: medianWrk(same.map((x) => x.r)), cpu: row.cpu.map((v, i) => (v === null ? null : med((x) => x.cpu[i] ?? 0))) };
  });
}

let summary: Row[] = [];

function find(key: string, connections: number): WrkResult | undefined {
  return summary.find((row) => row.key === key && row.connections === connections)?.r;
}

function ratios(): string[][] {
  const out: string[][] = [];
  for (const ours of ['models', 'cml']) {
    for (const peerKey of ['uvicorn-fastapi', 'uvicorn-fastapi-uvloop', 'gunicorn-flask', 'direct']) {
      for (const c of [1, 8]) {
        const a = find(ours, c);
        const b = find(peerKey, c);
        if (!a || !b) continue;
        const name = ours === 'models' ? '/models/add-numbers' : '/model (CML)';
        out.push([`${name} ÷ ${peerKey === 'direct' ? 'replica direct' : peerKey}`, String(c), `${(a.rps / b.rps).toFixed(2)}×`, `${(a.p50 / b.p50).toFixed(2)}×`]);
      }
    }
  }
  return out;
}

function verdict(): string {
  const ours = find('models', 1);
  const uvicorn = find('uvicorn-fastapi', 1);
  const uvloop = find('uvicorn-fastapi-uvloop', 1);
  if (!ours || !uvicorn) return '';
  const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
  const x = ours.rps / uvicorn.rps;
  const lines = [
    `Aim (issue 3), at 1 connection: throughput ≥ 2× uvicorn + FastAPI — ${x.toFixed(2)}× (asyncio + h11, Debian's default), ${met(x >= 2)}` +
      (uvloop ? `; ${(ours.rps / uvloop.rps).toFixed(2)}× against uvloop + httptools` : '') + '.',
    `Aim: p50 under 0.15 ms — ${ours.p50.toFixed(3)} ms, ${met(ours.p50 < 0.15)}.`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const load = loadLine();
  console.log(`${machineLine()}\n${load}\n${seconds} s per run after a ${warmup} s warm-up\n`);
  let profileText: string | null = null;
  for (round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    profileText = await slipway();
    if (!profile) {
      await peer('gunicorn-flask');
      await peer('uvicorn-fastapi');
      if (hasUvloop()) await peer('uvicorn-fastapi-uvloop');
    }
  }
  summary = aggregate();
  const fmt = (v: number, d = 3): string => v.toFixed(d);
  const resultRows = summary.map((row) => [
    row.label, String(row.connections), fmt(row.r.rps, 0), fmt(row.r.p50), fmt(row.r.p99), cpuText(row.cpu), String(row.r.non2xx + row.r.socketErrors),
  ]);
  const section = [
    `### gateway-vs-peers${profile ? ' (profile run)' : ''} — ${today()}`,
    '',
    machineLine(),
    load,
    `Versions: ${wrkVersion()}; ${peerVersions()}; Node ${process.version} (daemon and wrk driver).`,
    '',
    `Each server alone on 127.0.0.1, in turn; wrk ${profile ? '\`-t1 -c1\`' : '\`-t1 -c1\` and \`-t2 -c8\`'} with \`--latency\` and a Lua script ` +
      `(POST, body \`${BODY}\`, Content-Type: application/json), ${warmup} s warm-up then ${seconds} s measured. ` +
      'Server CPU per call from /proc (utime + stime; for Slipway: daemon + replica).' +
      (rounds > 1 ? ` The whole sequence ran ${rounds} times; each number is the median over the rounds (errors: the sum).` : ''),
    '',
    'Servers:',
    '',
    ...commands.map((c) => `- \`${c}\``),
    '',
    table(['server', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/call', 'errors'], resultRows),
    '',
    ...(profile ? [] : [table(['ratio', 'conns', 'req/s', 'p50'], ratios()), '', verdict()]),
    ...(profileText ? ['', profileText] : []),
  ].join('\n');
  report(section);
  // Numbers measured over failing calls mean nothing: say so with the exit code.
  if (rows.some((row) => row.r.non2xx + row.r.socketErrors > 0)) process.exitCode = 1;
}

await main();
