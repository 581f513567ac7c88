// Benchmark (not a test): the R replica (runtime/r/slipway_runtime.R, called directly on
// POST /invoke) beside a minimal plumber API (Debian's r-cran-plumber) serving the same function,
// each alone, at 1 and 8 connections with wrk; req/s, p50, p99 and the ratios, in one run. Then the
// R replica over TCP and over a Unix socket (--socket) with the same Node client (undici), since
// wrk cannot use a Unix socket: httpuv's two-write responses cost ~40 ms a call over TCP only.
//
//   node bench/r-runtime-vs-plumber.ts [--seconds 10] [--warmup 2] [--write]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/free-port.ts';
import { machineLine } from './machine.ts';
import { Pool } from 'undici';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';
import { runWrk, wrkVersion, type WrkResult, type WrkTarget } from './support/wrk.ts';

const seconds = Number(argValue('--seconds') ?? 10);
const warmup = Number(argValue('--warmup') ?? 2);
const BODY = '{"a":3,"b":5}';
const LOADS = [
  { threads: 1, connections: 1 },
  { threads: 2, connections: 8 },
];
const runtime = path.resolve(import.meta.dirname, '../runtime/r/slipway_runtime.R');

type Row = { key: string; label: string; connections: number; r: WrkResult };
const rows: Row[] = [];

/** Starts `args` and resolves with the process once `ready` matches its output (at once for null). */
function startUntil(args: string[], cwd: string, ready: RegExp | null): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn('Rscript', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const check = (chunk: string): void => {
      output += chunk;
      if (ready?.test(output)) resolve({ proc, output: () => output });
    };
    if (ready === null) resolve({ proc, output: () => output });
    proc.stdout!.setEncoding('utf8').on('data', check);
    proc.stderr!.setEncoding('utf8').on('data', check);
    proc.on('close', (code) => reject(new Error(`Rscript exited ${code} before it was ready:\n${output}`)));
  });
}

async function measure(key: string, label: string, target: WrkTarget): Promise<void> {
  for (const load of LOADS) {
    await runWrk(target, { ...load, seconds: warmup });
    const r = await runWrk(target, { ...load, seconds });
    rows.push({ key, label, connections: load.connections, r });
    const errors = r.non2xx + r.socketErrors > 0 ? `  NON-2XX ${r.non2xx} SOCKET ERRORS ${r.socketErrors}` : '';
    console.log(`${label.padEnd(44)} c${load.connections}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)} ms${errors}`);
  }
}

type ClientRow = { label: string; key: string; connections: number; rps: number; p50: number; p99: number };
const clientRows: ClientRow[] = [];

/** `connections` loops calling POST /invoke back to back for `seconds` (after the warm-up), through one pool. */
async function clientLoad(label: string, key: string, pool: Pool): Promise<void> {
  try {
    for (const connections of [1, 8]) {
      const run = async (duration: number): Promise<number[]> => {
        const latencies: number[] = [];
        const end = performance.now() + duration * 1000;
        await Promise.all(Array.from({ length: connections }, async () => {
          while (performance.now() < end) {
            const start = performance.now();
            const res = await pool.request({ path: '/invoke', method: 'POST', body: BODY });
            await res.body.text();
            if (res.statusCode !== 200) throw new Error(`${label}: status ${res.statusCode}`);
            latencies.push(performance.now() - start);
          }
        }));
        return latencies;
      };
      await run(warmup);
      const latencies = (await run(seconds)).sort((a, b) => a - b);
      const row = { label, key, connections, rps: latencies.length / seconds, p50: median(latencies), p99: latencies[Math.floor(latencies.length * 0.99)] };
      clientRows.push(row);
      console.log(`${label.padEnd(44)} c${connections}  ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(3)}  p99 ${row.p99.toFixed(3)} ms`);
    }
  } finally {
    await pool.close();
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const closed = new Promise((resolve) => proc.on('close', resolve));
  proc.kill('SIGKILL');
  await closed;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-r-bench-'));
  const load = loadLine();
  console.log(`${machineLine()}\n${load}\n${seconds} s per run after a ${warmup} s warm-up\n`);
  try {
    fs.writeFileSync(path.join(dir, 'add.R'), 'add <- function(args) args$a + args$b\n');
    fs.writeFileSync(path.join(dir, 'plumber.R'), [
      '#* @serializer unboxedJSON',
      '#* @post /add',
      'function(req) {',
      '  args <- jsonlite::fromJSON(req$postBody)',
      '  args$a + args$b',
      '}',
      '',
    ].join('\n'));
    const replica = await startUntil([runtime, '--file', 'add.R', '--function', 'add', '--port', '0'], dir, /SLIPWAY_READY port=\d+\n/);
    try {
      const port = Number(/SLIPWAY_READY port=(\d+)/.exec(replica.output())![1]);
      await measure('replica', 'Slipway R replica POST /invoke', { url: `http://127.0.0.1:${port}/invoke`, body: BODY });
    } finally {
      await stop(replica.proc);
    }
    const socketPath = path.join(dir, 'replica.sock');
    const overSocket = await startUntil([runtime, '--file', 'add.R', '--function', 'add', '--socket', socketPath], dir, /SLIPWAY_READY socket=/);
    try {
      await clientLoad('R replica over a Unix socket (undici)', 'socket', new Pool('http://replica', { connections: 8, connect: { socketPath } }));
    } finally {
      await stop(overSocket.proc);
    }
    const overTcp = await startUntil([runtime, '--file', 'add.R', '--function', 'add', '--port', '0'], dir, /SLIPWAY_READY port=\d+\n/);
    try {
      const port = Number(/SLIPWAY_READY port=(\d+)/.exec(overTcp.output())![1]);
      await clientLoad('R replica over TCP (undici)', 'tcp', new Pool(`http://127.0.0.1:${port}`, { connections: 8 }));
    } finally {
      await stop(overTcp.proc);
    }
    const plumberPort = await freePort();
    const plumber = await startUntil(['-e', `plumber::pr_run(plumber::pr("plumber.R"), host = "127.0.0.1", port = ${plumberPort}, docs = FALSE, quiet = TRUE)`], dir, null);
    try {
      await waitForPort(plumberPort);
      await measure('plumber', 'plumber POST /add (unboxedJSON)', { url: `http://127.0.0.1:${plumberPort}/add`, body: BODY });
    } finally {
      await stop(plumber.proc);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (v: number, d = 3): string => v.toFixed(d);
  const find = (key: string, c: number): WrkResult | undefined => rows.find((row) => row.key === key && row.connections === c)?.r;
  const ratioRows = [1, 8].flatMap((c) => {
    const a = find('replica', c);
    const b = find('plumber', c);
    return a && b ? [[`R replica ÷ plumber`, String(c), `${(a.rps / b.rps).toFixed(2)}×`, `${(a.p50 / b.p50).toFixed(2)}×`]] : [];
  });
  const versions = spawnSync('Rscript', ['-e', 'cat(R.version.string, "; httpuv", as.character(packageVersion("httpuv")), "; jsonlite", as.character(packageVersion("jsonlite")), "; plumber", as.character(packageVersion("plumber")))'], { encoding: 'utf8' }).stdout.trim();
  report([
    `### r-runtime-vs-plumber — ${today()}`,
    '',
    machineLine(),
    load,
    `Versions: ${wrkVersion()}; ${versions}.`,
    '',
    `Each server alone on 127.0.0.1, in turn, serving \`add <- function(args) args$a + args$b\`; wrk \`-t1 -c1\` and \`-t2 -c8\` ` +
      `with \`--latency\` and a Lua script (POST, body \`${BODY}\`), ${warmup} s warm-up then ${seconds} s measured. ` +
      'The R replica is called directly (POST /invoke, no gateway); both answer one call at a time (R is single-threaded).',
    '',
    table(['server', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors'], rows.map((row) => [
      row.label, String(row.connections), fmt(row.r.rps, 0), fmt(row.r.p50), fmt(row.r.p99), String(row.r.non2xx + row.r.socketErrors),
    ])),
    '',
    table(['ratio', 'conns', 'req/s', 'p50'], ratioRows),
    '',
    `The R replica with one Node client (undici Pool, 1 or 8 loops calling back to back), ${warmup} s warm-up then ${seconds} s measured:`,
    '',
    table(['server', 'conns', 'req/s', 'p50 ms', 'p99 ms'], clientRows.map((row) => [row.label, String(row.connections), fmt(row.rps, 0), fmt(row.p50), fmt(row.p99)])),
    '',
    table(['ratio', 'conns', 'req/s', 'p50'], [1, 8].flatMap((c) => {
      const a = clientRows.find((row) => row.key === 'socket' && row.connections === c);
      const b = clientRows.find((row) => row.key === 'tcp' && row.connections === c);
      return a && b ? [['Unix socket ÷ TCP', String(c), `${(a.rps / b.rps).toFixed(2)}×`, `${(a.p50 / b.p50).toFixed(2)}×`]] : [];
    })),
    '',
    'Both servers are httpuv, which writes the status line and headers, then the body, in two writes ' +
      'without TCP_NODELAY (seen with strace): on a keep-alive connection the body waits for the ' +
      'client\'s delayed ACK, about 40 ms per call, the pattern DESIGN.md rules out for the Python ' +
      'runtime. Over a Unix socket (the R replica\'s --socket) there is no Nagle delay.',
  ].join('\n'));
  if (rows.some((row) => row.r.non2xx + row.r.socketErrors > 0)) process.exitCode = 1;
}

/** plumber prints nothing when quiet: wait until its port accepts connections. */
async function waitForPort(port: number): Promise<void> {
  const net = await import('node:net');
  for (let i = 0; i < 300; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`plumber did not listen on ${port}`);
}

await main();
