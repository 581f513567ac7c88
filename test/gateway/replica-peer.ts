// A test peer for the replica protocol (DESIGN.md "Runtime protocol"): a node:http server on
// 127.0.0.1 that answers `POST /invoke` like the Python runtime does, and that the request tells
// how to misbehave. It stands in for a replica on the other side of the wire only; the real
// Python runtime is tested in test/runtime.
//
// Request JSON → what the peer does:
//   {"hold": true}           answers only when the test calls `release()` (a slow call, no timers)
//   {"holdOn": "<name>"}     holds like "hold" on the peer of that name only; the others answer
//   {"hang": true}           never answers (the gateway's timeout cuts it off)
//   {"destroy": true}        destroys the socket mid-call (a replica dying)
//   {"raise": "msg"}         500 {"error": {"type": "ValueError", "message": "msg", "traceback"}}
//   {"metrics": {...}}       200 with those metrics and a uuid (a metrics-enabled model)
//   {"garbage": true}        200 with a body outside the protocol
//   anything else            200 {"response": {"peer": <name>, "echo": <request>}}
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplicaHandle } from '../../src/gateway/types.ts';

export type ReplicaPeer = {
  readonly name: string;
  readonly origin: string;
  /** The handle the gateway routes by: id = name. */
  readonly handle: ReplicaHandle;
  /** Requests that reached /invoke. */
  readonly calls: number;
  /** Calls now held or hanging. */
  readonly open: number;
  /** Answers every held call. */
  release(): void;
  /** Resolves once at least `count` calls are held or hanging. */
  whenOpen(count: number): Promise<void>;
  close(): Promise<void>;
};

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts a peer named `name` on a free loopback port. */
export async function startReplicaPeer(name: string): Promise<ReplicaPeer> {
  let calls = 0;
  let held: (() => void)[] = [];
  let hanging = 0;
  let openWaiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const checkOpen = (): void => {
    const open = held.length + hanging;
    openWaiters = openWaiters.filter((w) => (open >= w.count ? (w.resolve(), false) : true));
  };

  const answer = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(text);
    } catch {
      send(res, 400, '{"error":{"type":"BadRequest","message":"the request body is not valid JSON"}}');
      return;
    }
    const ok = (): void =>
      send(res, 200, `{"response":${JSON.stringify({ peer: name, echo: request })},"metrics":null,"uuid":null}`);
    if (request?.hold || request?.holdOn === name) {
      held.push(ok);
      checkOpen();
    } else if (request?.hang) {
      hanging++;
      req.socket.once('close', () => hanging--);
      checkOpen();
    } else if (request?.destroy) {
      req.socket.destroy();
    } else if (typeof request?.raise === 'string') {
      const error = { type: 'ValueError', message: request.raise, traceback: `Traceback (most recent call last):\nValueError: ${request.raise}\n` };
      send(res, 500, JSON.stringify({ error }));
    } else if (request?.metrics) {
      send(res, 200, JSON.stringify({ response: { peer: name }, metrics: request.metrics, uuid: `uuid-${name}-${calls}` }));
    } else if (request?.garbage) {
      send(res, 200, '<html>not the protocol</html>');
    } else {
      ok();
    }
  };

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ready') return send(res, 200, '{"ready":true}');
    if (req.method !== 'POST' || req.url !== '/invoke') return send(res, 404, '{"error":{"type":"NotFound","message":"no such path"}}');
    calls++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const peer: ReplicaPeer = {
    name,
    origin,
    handle: { id: name, origin },
    get calls() {
      return calls;
    },
    get open() {
      return held.length + hanging;
    },
    release() {
      const answers = held;
      held = [];
      for (const ok of answers) ok();
    },
    whenOpen(count) {
      return new Promise<void>((resolve) => {
        openWaiters.push({ count, resolve });
        checkOpen();
      });
    },
    async close() {
      peer.release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return peer;
}
