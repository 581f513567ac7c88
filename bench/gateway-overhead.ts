// What the gateway adds to a call: the add-numbers model served by the Python runtime, called
// directly (POST /invoke) and through the gateway (POST /models/<name> and POST /model), with the
// same closed-loop client at 1 and 8 connections. Prints req/s, p50, p99 and the added latency.
//
//   node bench/gateway-overhead.ts [seconds-per-run, default 5]
//
// The gateway runs in its own process (as in the daemon), so client and gateway do not share an
// event loop. The client is Node (undici); use wrk for absolute numbers beside other servers.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { createGateway } from '../src/gateway/gateway.ts';
import { createGatewayServer } from '../src/gateway/gateway-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCESS_KEY = 'benchaccesskey';

/** Child mode: serve a gateway routing `add-numbers` to `origin`, print the port. */
async function serveGateway(origin: string): Promise<void> {
  const gateway = createGateway({
    modelForAccessKey: (key) => (key === ACCESS_KEY ? 'add-numbers' : null),
    authorize: () => 'ok',
    recordMetrics: () => {},
    onReplicaTimeout: () => {},
    onReplicaDied: () => {},
  });
  gateway.setRoute({
    name: 'add-numbers', deploymentId: 1, build: 1, state: 'running', auth: false, concurrency: 1,
    timeoutMs: 30_000, busyTimeoutMs: 30_000, maxRequestBytes: 5 * 1024 * 1024,
    replicas: [{ id: 'add-numbers-1-1-bench', origin }],
  });
  const server = createGatewayServer(gateway);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // Exit normally on SIGTERM so `--cpu-prof` (via GATEWAY_NODE_OPTIONS) gets written.
  process.on('SIGTERM', () => process.exit(0));
  // Each line on stdin asks for the CPU time this process has used so far (µs).
  process.stdin.on('data', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`CPU ${user + system} ${user}\n`);
  });
  process.stdout.write(`GATEWAY port=${(server.address() as AddressInfo).port}\n`);
}

function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onExit = (code: number | null): void => reject(new Error(`${prefix} never came; exit ${code}`));
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => l.startsWith(prefix));
      if (line) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolve(line.slice(prefix.length).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** CPU time (µs: user + system, and user alone) the gateway process has used so far. */
async function gatewayCpu(child: ChildProcess): Promise<{ total: number; user: number }> {
  const answer = firstLine(child, 'CPU ');
  child.stdin!.write('cpu\n');
  const [total, user] = (await answer).split(' ').map(Number);
  return { total, user };
}

type Result = { reqs: number; seconds: number; p50: number; p99: number };

async function load(origin: string, pathname: string, body: string, connections: number, seconds: number): Promise<Result> {
  const clients = Array.from({ length: connections }, () => new Client(origin, { pipelining: 1 }));
  const samples: number[] = [];
  const warmEnd = Date.now() + 500;
  const end = warmEnd + seconds * 1000;
  let failures = 0;
  await Promise.all(clients.map(async (client) => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const res = await client.request({ path: pathname, method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await res.body.text();
      const took = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.statusCode !== 200) failures++;
      if (t0 > 0n && Date.now() > warmEnd) samples.push(took);
    }
  }));
  await Promise.all(clients.map((c) => c.close()));
  if (failures > 0) throw new Error(`${failures} calls failed on ${pathname}`);
  samples.sort((a, b) => a - b);
  return { reqs: samples.length, seconds, p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** Extra node flags for the gateway process, e.g. GATEWAY_NODE_OPTIONS=--cpu-prof. */
function nodeOptions(): string[] {
  return (process.env.GATEWAY_NODE_OPTIONS ?? '').split(' ').filter((flag) => flag !== '');
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const runtime = spawn('python3', ['-m', 'slipway_runtime', '--file', 'add_numbers.py', '--function', 'add', '--port', '0'], {
    cwd: path.join(root, 'examples/add-numbers'),
    env: { ...process.env, PYTHONPATH: path.join(root, 'runtime/python') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const runtimePort = await firstLine(runtime, 'SLIPWAY_READY port=');
  const replica = `http://127.0.0.1:${runtimePort}`;
  const gatewayChild = spawn(process.execPath, [...nodeOptions(), fileURLToPath(import.meta.url), '--serve', replica], { stdio: ['pipe', 'pipe', 'inherit'] });
  const gateway = `http://127.0.0.1:${await firstLine(gatewayChild, 'GATEWAY port=')}`;
  const request = '{"a":3,"b":5}';
  const runs: [string, string, string, string][] = [
    ['replica direct  POST /invoke', replica, '/invoke', request],
    ['gateway POST /models/add-numbers', gateway, '/models/add-numbers', request],
    ['gateway POST /model (CML)', gateway, '/model', `{"accessKey":"${ACCESS_KEY}","request":${request}}`],
  ];
  try {
    // JIT warm-up of both processes, not measured.
    for (const [, origin, pathname, body] of runs) await load(origin, pathname, body, 1, 1);
    for (const connections of [1, 8]) {
      console.log(`\n${connections} connection(s), ${seconds} s each`);
      let direct: Result | null = null;
      for (const [label, origin, pathname, body] of runs) {
        const cpuBefore = await gatewayCpu(gatewayChild);
        const r = await load(origin, pathname, body, connections, seconds);
        const cpuAfter = await gatewayCpu(gatewayChild);
        const perCall = (µs: number) => (µs / r.reqs).toFixed(0);
        const cpu = `${perCall(cpuAfter.total - cpuBefore.total)} µs (user ${perCall(cpuAfter.user - cpuBefore.user)})`;
        direct ??= r;
        const added = r === direct
          ? ''
          : `  added p50 ${(r.p50 - direct.p50).toFixed(3)} ms, gateway CPU/call ${cpu}, ×${(r.reqs / direct.reqs).toFixed(2)} of direct`;
        console.log(`${label.padEnd(34)} ${(r.reqs / seconds).toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms${added}`);
      }
    }
  } finally {
    gatewayChild.kill();
    runtime.kill();
  }
}

if (process.argv[2] === '--serve') await serveGateway(process.argv[3]);
else await main();
