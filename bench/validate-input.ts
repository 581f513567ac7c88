// Benchmark (not a test): what `validateInput: true` costs per call. (1) In one process, the
// check alone (JSON.parse of the body + the compiled ajv check, input-check.ts) beside the scan
// every call already pays (isUtf8 + scanJson) and JSON.parse alone, on a small and a 1 MB input.
// (2) Through a real gateway on loopback to a minimal Node replica answering the runtime protocol,
// sequential calls with validation on and off, in alternating rounds; µs per call and the ratio.
//
//   node bench/validate-input.ts [--write]
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { inferSchema } from '../src/contract/infer-schema.ts';
import { compileSchema } from '../src/contract/validator.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import { createGatewayServer } from '../src/gateway/gateway-server.ts';
import { scanJson } from '../src/gateway/json-scan.ts';
import type { ModelRoute } from '../src/gateway/types.ts';
import { machineLine } from './machine.ts';
import { loadLine, median, report, table, today } from './support/results.ts';

const small = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2, species: 'setosa' };
const rows = Array.from({ length: 12000 }, (_, i) => ({ id: i, x: i * 1.5, name: `row ${i}`, tags: ['a', 'b'] }));
const large = { rows };
const inputs = [['small (5 fields)', small, 200_000], [`${(JSON.stringify(large).length / 1e6).toFixed(1)} MB (12,000 rows)`, large, 20]] as const;

/** Median µs per call over 5 batches of `n`. */
function time(n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(n, 1000); i++) fn();
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    batches.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return median(batches);
}

const micro: string[][] = [];
for (const [name, value, n] of inputs) {
  const body = Buffer.from(JSON.stringify(value));
  const compiled = compileSchema(inferSchema([value]));
  if (!compiled.ok) throw new Error(compiled.message);
  const scan = time(n, () => isUtf8(body) && scanJson(body, false));
  const parse = time(n, () => JSON.parse(body.toString('utf8')));
  const check = time(n, () => compiled.check(JSON.parse(body.toString('utf8'))));
  micro.push([name, scan.toFixed(2), parse.toFixed(2), check.toFixed(2), `${(check / scan).toFixed(2)}×`]);
  console.log(micro[micro.length - 1]!.join('  '));
}

/** A replica answering POST /invoke with the request echoed, as the runtime protocol says. */
async function startReplica(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = `{"response":${Buffer.concat(chunks).length > 0 ? '{"ok":true}' : 'null'},"metrics":null,"uuid":null}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const replica = await startReplica();
const origin = `http://127.0.0.1:${(replica.address() as AddressInfo).port}`;
const gateway = createGateway({ modelForAccessKey: () => null, authorize: () => 'ok', recordMetrics: () => {}, onReplicaTimeout: () => {}, onReplicaDied: () => {} });
const server = createGatewayServer(gateway);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

function route(value: unknown, validate: boolean, deploymentId: number): ModelRoute {
  return {
    name: 'm', deploymentId, build: 1, state: 'running', auth: false, concurrency: 1, timeoutMs: 30_000, busyTimeoutMs: 30_000,
    maxRequestBytes: 16 * 1024 * 1024, replicas: [{ id: 'm-1-1-bench', origin }],
    contract: { input: inferSchema([value]), output: {}, ...(validate ? { validateInput: true as const } : {}) },
  };
}

async function callsPerRound(body: string, calls: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const res = await client.request({ path: '/models/m', method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  }
  return Number(process.hrtime.bigint() - start) / calls / 1000;
}

const e2e: string[][] = [];
let deployment = 1;
for (const [name, value, n] of inputs) {
  const body = JSON.stringify(value);
  const calls = n > 1000 ? 2000 : 20;
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < 6; round++) {
    // Alternate which goes first, so drift in the machine's load falls on both.
    for (const validate of round % 2 === 0 ? [false, true] : [true, false]) {
      gateway.setRoute(route(value, validate, deployment++));
      (validate ? on : off).push(await callsPerRound(body, calls));
    }
  }
  const [a, b] = [median(off), median(on)];
  e2e.push([name, a.toFixed(1), b.toFixed(1), `${(b / a).toFixed(3)}×`]);
  console.log(e2e[e2e.length - 1]!.join('  '));
}
await client.close();
await gateway.close();
server.close();
replica.close();

report([
  `### validate-input — ${today()}`,
  '',
  machineLine(),
  loadLine(),
  '',
  'What `validateInput: true` adds per call (issue 14, item 6). The check is JSON.parse of the body plus the ajv function compiled once per deployment (schema inferred from the input itself); the replica still gets the bytes sent.',
  '',
  'In one process, µs per body, median of 5 batches:',
  '',
  table(['input', 'isUtf8 + scanJson µs (every call)', 'JSON.parse µs', 'parse + check µs (validateInput)', 'check ÷ scan'], micro),
  '',
  'Through a real gateway on loopback to a minimal Node replica (same process as the client, sequential calls, median of 6 alternating rounds):',
  '',
  table(['input', 'validateInput off µs/call', 'on µs/call', 'on ÷ off'], e2e),
].join('\n'));
