// Benchmark (not a test) for issue 11's goals, all in one run: the local data path (daemon gateway
// → replica over its Unix socket) against calling a runtime replica directly (on TCP, the floor)
// and against uvicorn + FastAPI on uvloop + httptools, the fastest Python peer.
//
//   goal 1: added p50 over the replica called directly, at 1 connection      ≤ 40 µs
//   goal 2: 1-connection throughput ÷ uvicorn+FastAPI (uvloop + httptools)   ≥ 1.0×
//   goal 3: 8-connection throughput with replicas: 2 ÷ the same peer         ≥ 1.0×
//
// It also measures 2 replicas at 1 connection (the pool's preference for the replica used last)
// and the daemon's and replicas' CPU per call, from which it says how many replicas one gateway
// process can feed.
//
//   node bench/data-path.ts [--seconds 8] [--warmup 2] [--rounds 3] [--write]
//   node bench/data-path.ts --profile [--seconds 8] [--write]
//       (the daemon under `node --cpu-prof`, replicas: 2 at 8 connections only)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './machine.ts';
import { hasUvloop, peerVersions, startPeer } from './support/peers.ts';
import { cpuMs, processTree } from './support/proc-cpu.ts';
import { benchProject, repoRoot, type BenchProject } from './support/project.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';
import { daemonProfile, groupRounds, medianWrk } from './support/rounds.ts';
import { runWrk, wrkVersion, type WrkResult, type WrkTarget } from './support/wrk.ts';

const seconds = Number(argValue('--seconds') ?? 8);
const warmup = Number(argValue('--warmup') ?? 2);
const profile = process.argv.includes('--profile');
const rounds = profile ? 1 : Number(argValue('--rounds') ?? 3);
const BODY = '{"a":3,"b":5}';
const C1 = { threads: 1, connections: 1 };
const C8 = { threads: 2, connections: 8 };

type Row = { key: string; label: string; connections: number; r: WrkResult; gatewayUs: number | null; replicaUs: number | null };
const rows: Row[] = [];

/** Warm-up (not kept), then the measured run with the CPU `gateway` and `replicas` used meanwhile. */
async function measure(key: string, label: string, target: WrkTarget, load: typeof C1, gateway: number[], replicas: () => number[]): Promise<void> {
  await runWrk(target, { ...load, seconds: warmup });
  const pids = replicas();
  const before = [cpuMs(gateway), cpuMs(pids)];
  const r = await runWrk(target, { ...load, seconds });
  const perCall = (ms: number): number => (1000 * ms) / r.requests;
  const gatewayUs = gateway.length === 0 ? null : perCall(cpuMs(gateway) - before[0]!);
  const replicaUs = perCall(cpuMs(pids) - before[1]!);
  rows.push({ key, label, connections: load.connections, r, gatewayUs, replicaUs });
  const errors = r.non2xx + r.socketErrors > 0 ? `  NON-2XX ${r.non2xx} SOCKET ERRORS ${r.socketErrors}` : '';
  console.log(`${label.padEnd(52)} c${load.connections}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)} ms  CPU µs/call gateway ${gatewayUs?.toFixed(0) ?? '-'} replicas ${replicaUs.toFixed(0)}${errors}`);
}

/** A runtime replica alone on TCP loopback: what "calling the replica directly" costs. */
async function floor(): Promise<void> {
  const child = spawn('python3', ['-m', 'slipway_runtime', '--file', 'add_numbers.py', '--function', 'add', '--port', '0'], {
    cwd: path.join(repoRoot, 'examples', 'add-numbers'),
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'runtime', 'python') },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /SLIPWAY_READY port=(\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', () => reject(new Error('the runtime replica exited before it was ready')));
    });
    await measure('direct', 'runtime replica called directly (TCP, floor)', { url: `http://127.0.0.1:${port}/invoke`, body: BODY }, C1, [], () => [child.pid!]);
  } finally {
    child.kill('SIGTERM');
  }
}

/** A daemon serving add-numbers with `replicas`; `run` measures against it. */
async function daemon(replicas: number, env: NodeJS.ProcessEnv, run: (p: BenchProject, gateway: number[], replicaPids: () => number[]) => Promise<void>): Promise<number> {
  const project = await benchProject({ replicas, auth: false });
  try {
    await project.ok(['up', '-d', '--port', String(project.port)], env);
    const daemonPid = project.daemonPid()!;
    await project.rememberPids();
    await run(project, [daemonPid], () => processTree(daemonPid).filter((pid) => pid !== daemonPid));
    return daemonPid;
  } finally {
    await project.cleanup();
  }
}

async function oneRound(): Promise<void> {
  await floor();
  await daemon(1, {}, async (p, gateway, replicaPids) => {
    const accessKey = p.accessKey('add-numbers');
    await measure('models-r1', 'Slipway POST /models/add-numbers, replicas: 1', { url: `${p.url}/models/add-numbers`, body: BODY }, C1, gateway, replicaPids);
    await measure('cml-r1', 'Slipway POST /model (CML), replicas: 1', { url: `${p.url}/model`, body: `{"accessKey":"${accessKey}","request":${BODY}}` }, C1, gateway, replicaPids);
    await measure('models-r1', 'Slipway POST /models/add-numbers, replicas: 1', { url: `${p.url}/models/add-numbers`, body: BODY }, C8, gateway, replicaPids);
  });
  await daemon(2, {}, async (p, gateway, replicaPids) => {
    await measure('models-r2', 'Slipway POST /models/add-numbers, replicas: 2', { url: `${p.url}/models/add-numbers`, body: BODY }, C1, gateway, replicaPids);
    await measure('models-r2', 'Slipway POST /models/add-numbers, replicas: 2', { url: `${p.url}/models/add-numbers`, body: BODY }, C8, gateway, replicaPids);
  });
  if (!hasUvloop()) throw new Error('uvicorn with uvloop + httptools is needed: apt-get install -y python3-uvloop python3-httptools');
  const peer = await startPeer('uvicorn-fastapi-uvloop');
  try {
    for (const load of [C1, C8]) await measure('uvloop', peer.label, { url: peer.url, body: BODY }, load, [], () => processTree(peer.pid));
  } finally {
    await peer.stop();
  }
}

/** The daemon under --cpu-prof at replicas: 2, 8 connections: where the gateway's time goes. */
async function profileRun(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-prof-'));
  try {
    const pid = await daemon(2, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` }, async (p, gateway, replicaPids) => {
      await measure('models-r2', 'Slipway POST /models/add-numbers, replicas: 2 (profiled)', { url: `${p.url}/models/add-numbers`, body: BODY }, C8, gateway, replicaPids);
    });
    return daemonProfile(dir, pid, rows.reduce((n, r) => n + r.r.requests, 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function aggregate(): Row[] {
  return groupRounds(rows).map((same) => {
    const row = same[0]!;
    const med = (f: (x: Row) => number): number => median(same.map(f));
    return { ...row, r: medianWrk(same.map((x) => x.r)), gatewayUs: row.gatewayUs === null ? null : med((x) => x.gatewayUs ?? 0), replicaUs: med((x) => x.replicaUs ?? 0) };
  });
}

function verdicts(summary: Row[]): string[] {
  const get = (key: string, c: number): Row | undefined => summary.find((row) => row.key === key && row.connections === c);
  const direct = get('direct', 1);
  const r1 = get('models-r1', 1);
  const cml = get('cml-r1', 1);
  const r2c1 = get('models-r2', 1);
  const r2 = get('models-r2', 8);
  const peer1 = get('uvloop', 1);
  const peer8 = get('uvloop', 8);
  if (!direct || !r1 || !cml || !r2 || !peer1 || !peer8 || !r2c1) return [];
  const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
  const added = (r1.r.p50 - direct.r.p50) * 1000;
  const addedCml = (cml.r.p50 - direct.r.p50) * 1000;
  const x1 = r1.r.rps / peer1.r.rps;
  const x8 = r2.r.rps / peer8.r.rps;
  const gatewayUs = r2.gatewayUs ?? 0;
  const perCore = 1e6 / gatewayUs;
  return [
    `Goal 1, added p50 over the replica called directly (1 connection): ${added.toFixed(0)} µs on /models/<name>, ${addedCml.toFixed(0)} µs on /model — goal ≤ 40 µs, ${met(added <= 40)}.`,
    `Goal 2, 1-connection throughput ÷ uvicorn+FastAPI (uvloop + httptools): ${x1.toFixed(2)}× — goal ≥ 1.0×, ${met(x1 >= 1)}.`,
    `Goal 3, 8 connections with replicas: 2 ÷ the same peer: ${x8.toFixed(2)}× — goal ≥ 1.0×, ${met(x8 >= 1)}.`,
    `Warm replica preference: replicas: 2 at 1 connection ${r2c1.r.rps.toFixed(0)} req/s against ${r1.r.rps.toFixed(0)} with replicas: 1 (${(r2c1.r.rps / r1.r.rps).toFixed(2)}×).`,
    `Gateway capacity: at 8 connections the daemon spent ${gatewayUs.toFixed(0)} µs of CPU per call, so one gateway process saturates one core at about ${Math.round(perCore).toLocaleString('en')} calls/s; ` +
      `a replica of add-numbers spent ${(r2.replicaUs ?? 0).toFixed(0)} µs per call. One gateway feeds about ${(perCore / 1e3).toFixed(0)} replicas of a model taking 1 ms of CPU per call, ` +
      `${(perCore / 1e4).toFixed(1)} of one taking 10 ms.`,
  ];
}

async function main(): Promise<void> {
  const load = loadLine();
  console.log(`${machineLine()}\n${load}\n${seconds} s per run after a ${warmup} s warm-up, ${rounds} round(s)\n`);
  let profileText = '';
  if (profile) profileText = await profileRun();
  else for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}`);
    await oneRound();
  }
  const summary = aggregate();
  const fmt = (v: number, d = 3): string => v.toFixed(d);
  const section = [
    `### data-path${profile ? ' (profile run)' : ''} — ${today()}`,
    '',
    machineLine(),
    load,
    `Versions: ${wrkVersion()}; ${peerVersions()}; Node ${process.version}.`,
    '',
    'Each server alone on 127.0.0.1, in turn; wrk `-t1 -c1` / `-t2 -c8`, POST `{"a":3,"b":5}`, ' +
      `${warmup} s warm-up then ${seconds} s measured${rounds > 1 ? `; the whole sequence ${rounds} times, each number the median` : ''}. ` +
      'The daemon reaches its replicas over Unix domain sockets; the floor is a runtime replica alone on TCP, called directly. CPU from /proc (utime + stime).',
    '',
    table(['server', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'gateway CPU µs/call', 'replica CPU µs/call', 'errors'], summary.map((row) => [
      row.label, String(row.connections), fmt(row.r.rps, 0), fmt(row.r.p50), fmt(row.r.p99),
      row.gatewayUs === null ? '-' : fmt(row.gatewayUs, 0), fmt(row.replicaUs ?? 0, 0), String(row.r.non2xx + row.r.socketErrors),
    ])),
    '',
    ...verdicts(summary),
    ...(profileText ? ['', profileText] : []),
  ].join('\n');
  report(section);
  if (rows.some((row) => row.r.non2xx + row.r.socketErrors > 0)) process.exitCode = 1;
}

await main();
