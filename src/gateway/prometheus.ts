// `GET /metrics` in Prometheus' text format, from the local daemon and the in-cluster gateway:
// the per-replica counters of CML's monitoring page, what is in flight and queued, and a latency
// histogram per model. Counters and gauges are read from the gateway when scraped, so calls pay
// nothing for them; only the histogram is fed per call (one bucket increment, through the
// gateway's `callTimer`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Gateway, ReplicaCounters } from './types.ts';

export type GatewayMetrics = {
  /** For GatewayDeps.callTimer. */
  callTimer(model: string): (seconds: number) => void;
  /** The gateway to read counters from; set once it exists (it needs `callTimer` first). */
  attach(gateway: Gateway): void;
  /** Answers `GET /metrics`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
};

/** Latency buckets in seconds: sub-millisecond calls (the gateway's own cost) up to the default 30 s timeout. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** How each processed call ended, as `outcome` labels of `slipway_replica_calls_total`. */
const OUTCOMES: Array<[string, keyof ReplicaCounters]> = [
  ['success', 'success'],
  ['failure', 'failure'],
  ['error', 'error'],
  ['not_ready', 'notReady'],
];

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  let gateway: Gateway | null = null;
  const stats = () => gateway?.stats() ?? [];

  new Counter({
    name: 'slipway_replica_calls_total',
    help: 'Calls a replica finished, by outcome: success (the function returned), failure (it raised, or the request was refused), error (timeout, replica died, unreadable answer), not_ready (refused before running; retried elsewhere).',
    labelNames: ['model', 'replica', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) for (const [outcome, field] of OUTCOMES) this.inc({ model: s.model, replica: s.replicaId, outcome }, s[field] as number);
    },
  });
  const perReplica = (name: string, help: string, field: keyof ReplicaCounters) =>
    new Counter({
      name,
      help,
      labelNames: ['model', 'replica'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of stats()) this.inc({ model: s.model, replica: s.replicaId }, s[field] as number);
      },
    });
  perReplica('slipway_replica_calls_received_total', 'Calls sent to a replica.', 'received');
  perReplica('slipway_replica_busy_total', 'Calls refused with 429 model.busy while this replica was the first candidate.', 'busy');
  perReplica('slipway_replica_restarts_total', 'Restarts of a replica (crashes, and replacements after a timeout).', 'restarts');
  new Gauge({
    name: 'slipway_replica_in_flight',
    help: 'Calls a replica is running now.',
    labelNames: ['model', 'replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ model: s.model, replica: s.replicaId }, s.inFlight);
    },
  });
  new Gauge({
    name: 'slipway_model_ready_replicas',
    help: 'Replicas of a model that receive calls.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.inc({ model: s.model }, s.state === 'ready' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'slipway_model_queued_calls',
    help: 'Calls of a model waiting for a free replica now.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const model of new Set(stats().map((s) => s.model))) this.set({ model }, gateway?.queued(model) ?? 0);
    },
  });
  const latency = new Histogram({
    name: 'slipway_call_duration_seconds',
    help: 'Seconds from accepting a call to its answer, for calls the function ran (answered 200 or 500), queueing included.',
    labelNames: ['model'],
    buckets: BUCKETS,
    registers: [registry],
  });
  collectDefaultMetrics({ register: registry });

  return {
    callTimer(model) {
      const child = latency.labels({ model });
      return (seconds) => child.observe(seconds);
    },
    attach(next) {
      gateway = next;
    },
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
        return;
      }
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (error: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`cannot collect metrics: ${error.message}\n`);
        },
      );
    },
  };
}
