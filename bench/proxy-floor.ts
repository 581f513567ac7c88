// Benchmark (not a test): what a Node process between client and replica costs on this machine,
// layer by layer, to tell the gateway's own work from the price of its building blocks. The same
// runtime replica (add-numbers) is called through four minimal proxies, each in its own process,
// loaded by wrk at 1 connection:
//
//   node:http + undici Pool   the building blocks the gateway uses, with none of its logic
//   node:http + raw net       the server kept, the client replaced by one socket and a tiny parser
//   raw net + raw net         no HTTP library at all: read a request, write it on, copy the answer
//   (replica direct)          no proxy: the floor
//
// The raw proxies handle only what wrk sends here (one request per read, Content-Length bodies):
// they bound what is possible, they are not servers to ship.
//
//   node bench/proxy-floor.ts [--seconds 5] [--write]
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Pool } from 'undici';
import { machineLine } from './machine.ts';
import { cpuMs, processCpuSplitMs } from './support/proc-cpu.ts';
import { repoRoot } from './support/project.ts';
import { argValue, loadLine, report, table, today } from './support/results.ts';
import { runWrk } from './support/wrk.ts';

type Kind = 'http-undici' | 'http-raw' | 'raw-raw';
const BODY = '{"a":3,"b":5}';
const HEAD = Buffer.from('{"success":true,"response":');
const TAIL = Buffer.from(',"ReplicaID":"add-numbers-1-1-bench"}');

/** Replica answer `{"response":R,"metrics":null,"uuid":null}` → the gateway's envelope. */
function envelope(body: Buffer): Buffer {
  const end = body.indexOf(',"metrics"');
  return Buffer.concat([HEAD, body.subarray(12, end), TAIL]);
}

/** A raw keep-alive connection to the replica: one request at a time, answers by Content-Length. */
function rawReplica(origin: URL, client: net.Socket): (body: Buffer, done: (answer: Buffer) => void) => void {
  const socket = net.connect(Number(origin.port), origin.hostname);
  socket.setNoDelay(true);
  // wrk closes its connections at the end of a run, possibly with a call in flight.
  socket.on('error', () => {});
  client.on('close', () => socket.destroy());
  let pending: ((answer: Buffer) => void) | null = null;
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const match = /content-length: *(\d+)/i.exec(buffered.subarray(0, headEnd).toString('latin1'));
    const length = Number(match?.[1] ?? 0);
    if (buffered.length < headEnd + 4 + length) return;
    const answer = buffered.subarray(headEnd + 4, headEnd + 4 + length);
    buffered = Buffer.alloc(0);
    const done = pending!;
    pending = null;
    done(answer);
  });
  return (body, done) => {
    pending = done;
    socket.write(Buffer.concat([Buffer.from(`POST /invoke HTTP/1.1\r\nhost: r\r\ncontent-length: ${body.length}\r\n\r\n`), body]));
  };
}

function respondHead(length: number): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\nkeep-alive: timeout=65\r\n\r\n`;
}

/** Child mode: serve one proxy kind on a free port, print it. */
async function serve(kind: Kind, replica: string): Promise<void> {
  const origin = new URL(replica);
  let server: net.Server;
  if (kind === 'raw-raw') {
    server = net.createServer({ noDelay: true }, (client) => {
      client.on('error', () => {});
      const call = rawReplica(origin, client);
      client.on('data', (chunk: Buffer) => {
        const headEnd = chunk.indexOf('\r\n\r\n');
        call(chunk.subarray(headEnd + 4), (answer) => {
          const out = envelope(answer);
          if (!client.writable) return;
          client.write(Buffer.concat([Buffer.from(respondHead(out.length)), out]));
        });
      });
    });
  } else {
    const pool = new Pool(replica, { pipelining: 1, connections: 8 });
    const calls = new WeakMap<net.Socket, ReturnType<typeof rawReplica>>();
    server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const send = (answer: Buffer): void => {
          const out = envelope(answer);
          res.writeHead(200, ['content-type', 'application/json', 'content-length', String(out.length)]);
          res.end(out);
        };
        if (kind === 'http-raw') {
          let call = calls.get(req.socket);
          if (!call) calls.set(req.socket, (call = rawReplica(origin, req.socket)));
          call(body, send);
        } else {
          pool.request({ path: '/invoke', method: 'POST', body }).then(async (r) => send(Buffer.from(await r.body.arrayBuffer())));
        }
      });
    });
  }
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PROXY port=${(server.address() as net.AddressInfo).port}\n`);
  });
}

function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => l.startsWith(prefix));
      if (line) resolve(line.slice(prefix.length).trim());
    });
    child.once('exit', (code) => reject(new Error(`${prefix} never came; exit ${code}`)));
  });
}

async function main(): Promise<void> {
  const seconds = Number(argValue('--seconds') ?? 5);
  const load = loadLine();
  const children: ChildProcess[] = [];
  process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
  const rows: string[][] = [];
  try {
    const runtime = spawn('python3', ['-m', 'slipway_runtime', '--file', 'add_numbers.py', '--function', 'add', '--port', '0'], {
      cwd: path.join(repoRoot, 'examples/add-numbers'),
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'runtime/python') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(runtime);
    const replica = `http://127.0.0.1:${await firstLine(runtime, 'SLIPWAY_READY port=')}`;
    const measure = async (label: string, url: string, proxyPid: number | null): Promise<void> => {
      await runWrk({ url, body: BODY }, { threads: 1, connections: 1, seconds: 1 });
      const proxyBefore = proxyPid ? processCpuSplitMs(proxyPid) : { user: 0, system: 0 };
      const replicaBefore = cpuMs([runtime.pid!]);
      const r = await runWrk({ url, body: BODY }, { threads: 1, connections: 1, seconds });
      const proxyAfter = proxyPid ? processCpuSplitMs(proxyPid) : { user: 0, system: 0 };
      const perCall = (ms: number): string => ((1000 * ms) / r.requests).toFixed(0);
      const proxy = proxyPid
        ? `${perCall(proxyAfter.user + proxyAfter.system - proxyBefore.user - proxyBefore.system)} (${perCall(proxyAfter.user - proxyBefore.user)} + ${perCall(proxyAfter.system - proxyBefore.system)})`
        : '–';
      const replica = perCall(cpuMs([runtime.pid!]) - replicaBefore);
      rows.push([label, r.rps.toFixed(0), r.p50.toFixed(3), r.p99.toFixed(3), proxy, replica]);
      console.log(`${label.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)} ms  proxy CPU ${proxy} µs/call, replica ${replica}`);
    };
    await measure('replica direct (floor)', `${replica}/invoke`, null);
    for (const kind of ['http-undici', 'http-raw', 'raw-raw'] as Kind[]) {
      const child = spawn(process.execPath, [import.meta.filename, '--serve', kind, replica], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const port = await firstLine(child, 'PROXY port=');
      const label = { 'http-undici': 'node:http + undici Pool', 'http-raw': 'node:http + raw net', 'raw-raw': 'raw net + raw net' }[kind];
      await measure(label, `http://127.0.0.1:${port}/models/add-numbers`, child.pid!);
      child.kill();
    }
  } finally {
    for (const child of children) child.kill();
  }
  report([
    `### proxy-floor — ${today()}`,
    '',
    machineLine(),
    load,
    '',
    `The runtime replica (add-numbers) alone, then behind minimal Node proxies (each its own process); wrk \`-t1 -c1\`, ` +
      `1 s warm-up, ${seconds} s measured. CPU per call from /proc (utime + stime).`,
    '',
    table(['path', 'req/s', 'p50 ms', 'p99 ms', 'proxy CPU µs/call (user + system)', 'replica CPU µs/call'], rows),
  ].join('\n'));
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Kind, process.argv[4]);
else await main();
