// A gateway on a real node:http server on 127.0.0.1, with in-memory deps that record what the
// gateway reported, and a small HTTP client for the tests.
import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Agent, request } from 'undici';
import { createGateway } from '../../src/gateway/gateway.ts';
import { createGatewayServer } from '../../src/gateway/gateway-server.ts';
import type { GatewayMetrics } from '../../src/gateway/prometheus.ts';
import type { AuthVerdict, CallMetrics, Gateway, GatewayDeps, ModelRoute, ReplicaHandle, TappedCall } from '../../src/gateway/types.ts';

/** An API key as the in-memory key table holds it. */
export type TestApiKey = { revoked?: boolean; expired?: boolean; models?: string[] };

export type Harness = {
  gateway: Gateway;
  server: Server;
  base: string;
  /** access key → model */
  accessKeys: Map<string, string>;
  /** API key → its state */
  apiKeys: Map<string, TestApiKey>;
  died: string[];
  timeouts: string[];
  metrics: CallMetrics[];
  /** Every call the tap saw, in order. */
  taps: TappedCall[];
  logs: string[];
  call(path: string, body: unknown, options?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
};

export type CallOptions = { method?: string; headers?: Record<string, string>; raw?: boolean };
export type Answer = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

/** A route with short, test-friendly limits; `overrides` replace any field. */
export function testRoute(name: string, replicas: ReplicaHandle[], overrides: Partial<ModelRoute> = {}): ModelRoute {
  return {
    name,
    deploymentId: 1,
    build: 1,
    state: 'running',
    auth: false,
    concurrency: 1,
    timeoutMs: 30_000,
    busyTimeoutMs: 30_000,
    maxRequestBytes: 64 * 1024,
    replicas,
    ...overrides,
  };
}

/** A gateway on loopback; with `metrics`, fed to it and served at /metrics as the daemon does. */
export async function startGateway(opts: { metrics?: GatewayMetrics; random?: () => number } = {}): Promise<Harness> {
  const taps: TappedCall[] = [];
  const accessKeys = new Map<string, string>();
  const apiKeys = new Map<string, TestApiKey>();
  const died: string[] = [];
  const timeouts: string[] = [];
  const metrics: CallMetrics[] = [];
  const logs: string[] = [];
  const deps: GatewayDeps = {
    modelForAccessKey: (key) => accessKeys.get(key) ?? null,
    authorize(apiKey, model): AuthVerdict {
      if (apiKey === null) return 'missing';
      const key = apiKeys.get(apiKey);
      if (key === undefined) return 'invalid';
      if (key.revoked) return 'revoked';
      if (key.expired) return 'expired';
      if (key.models !== undefined && !key.models.includes(model)) return 'forbidden';
      return 'ok';
    },
    recordMetrics: (m) => metrics.push(m),
    onReplicaTimeout: (id) => timeouts.push(id),
    onReplicaDied: (id) => died.push(id),
    log: (line) => logs.push(line),
    callTimer: opts.metrics?.callTimer,
    tap: () => (call) => taps.push(call),
    random: opts.random,
  };
  const gateway = createGateway(deps);
  opts.metrics?.attach(gateway);
  const server = createGatewayServer(gateway, { metrics: opts.metrics });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ pipelining: 1 });

  return {
    gateway, server, base, accessKeys, apiKeys, died, timeouts, metrics, taps, logs,
    async call(path, body, options = {}) {
      const payload = options.raw ? (body as string | Buffer) : JSON.stringify(body);
      const res = await request(base + path, {
        method: (options.method ?? 'POST') as 'POST',
        body: options.method === 'GET' || options.method === 'HEAD' ? undefined : payload,
        headers: { 'content-type': 'application/json', ...options.headers },
        dispatcher: agent,
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // left as text: the test asserts on it
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await gateway.close();
      await agent.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until `check()` holds (polling); fails after a long guard so a broken test ends. */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  const guard = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > guard) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Sends raw bytes on a fresh connection and returns everything the server sent back. */
export async function rawExchange(base: string, bytes: string | Buffer, endAfterWrite = false): Promise<string> {
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  socket.write(bytes);
  if (endAfterWrite) socket.end();
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}
