// The gateway's contract with the rest of the daemon. The gateway depends on nothing but these
// types: the supervisor tells it where replicas are (`setRoute`), and keys / store / supervisor
// are reached through `GatewayDeps`, which are synchronous and in memory because they run on
// every call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Contract } from '../spec/types.ts';

/** One replica process the gateway may send calls to. */
export type ReplicaHandle = {
  /** Stable across restarts of the same replica slot (counters stay with it). */
  id: string;
  /**
   * `unix:<socket path>` (local replicas) or `http://<host>:<port>` (pods); a new origin for the
   * same id means a new process. See replica-origin.ts.
   */
  origin: string;
};

/**
 * What a variant of a model does with calls. `primary`: the deployment that serves (the route's
 * own `deploymentId`, `build` and `replicas`). `canary`: serves its `weight` percent of calls, the
 * primary the rest. `shadow`: gets a copy of `weight` percent of the calls the serving variants
 * answered, after the client has its answer; its answers go to the call tap, never to a client.
 */
export type VariantRole = 'primary' | 'canary' | 'shadow';

/** A deployment of a model served beside its primary (see `VariantRole`), with its own replicas. */
export type RouteVariant = {
  role: 'canary' | 'shadow';
  deploymentId: number;
  build: number;
  /** Percent of calls, 0 to 100: answered by a canary, or mirrored to a shadow. */
  weight: number;
  /** Ready replicas of this deployment; a pool of their own, apart from the primary's. */
  replicas: ReplicaHandle[];
};

/**
 * Everything the gateway needs to serve one model. `setRoute` replaces it as a whole.
 * The model's variants are its primary (the fields `deploymentId`, `build`, `replicas`) followed
 * by `variants` (canaries and shadows); routeVariants() in route-variants.ts gives the whole list.
 */
export type ModelRoute = {
  name: string;
  /** The primary variant's deployment. */
  deploymentId: number;
  build: number;
  state: 'running' | 'stopped';
  /** Whether calls need `Authorization: Bearer <API key>`. */
  auth: boolean;
  /** Calls one replica serves at once. */
  concurrency: number;
  /** A call running longer than this is cut off (504) and its replica reported. */
  timeoutMs: number;
  /** How long a call waits for a free replica before 429 `model.busy`. */
  busyTimeoutMs: number;
  /** Larger request bodies are refused with 413. */
  maxRequestBytes: number;
  /** Ready replicas of the primary deployment. */
  replicas: ReplicaHandle[];
  /**
   * The model's JSON Schemas, published at GET /openapi.json; with `validateInput`, requests that
   * do not match `input` get 400 `request.invalid` before a replica is used. Absent: no contract.
   */
  contract?: Contract;
  /** Canaries and shadows beside the primary; absent or empty: the primary serves every call. */
  variants?: RouteVariant[];
};

/** The keys module's verdict on an API key for a model (same union as keys/verify-api-key). */
export type AuthVerdict = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked' | 'forbidden';

/** Metrics a metrics-enabled model tracked during one call, as the replica sent them back. */
export type CallMetrics = {
  model: string;
  deploymentId: number;
  replicaId: string;
  uuid: string | null;
  metrics: Record<string, unknown>;
};

/**
 * How a call that reached a replica ended, as the call tap sees it: the function returned
 * (`success`) or raised, the replica refused the body (`rejected`), answered outside the protocol
 * (`invalid`), ran past the timeout, or died mid-call.
 */
export type TappedOutcome = 'success' | 'raised' | 'rejected' | 'invalid' | 'timeout' | 'died';

/**
 * One call as the call tap sees it, once it is settled. Headers are not part of it (they may
 * carry credentials); `request` and `answer` are the bytes exchanged with the replica.
 */
export type TappedCall = {
  model: string;
  deploymentId: number;
  build: number;
  role: VariantRole;
  replicaId: string;
  /** The request bytes sent to the replica: the client's own bytes of the model's input. */
  request: Buffer;
  /** The replica's answer in the runtime protocol (`{"response": …}` or `{"error": …}`); null when none came. */
  answer: Buffer | null;
  /** The status the client got (for a shadow: the one it would have got). */
  status: number;
  outcome: TappedOutcome;
  /** Seconds from accepting the call (a shadow: from sending its copy) to its answer. */
  seconds: number;
  /** When the call was accepted, in milliseconds since the epoch. */
  startedAt: number;
};

/** What the gateway needs from the daemon. All synchronous: they are on the hot path. */
export type GatewayDeps = {
  /** The model an access key belongs to, or null for an unknown (or rotated-out) key. */
  modelForAccessKey(key: string): string | null;
  /** Verdict on `apiKey` (null when the call carried none) for a call to `model`. */
  authorize(apiKey: string | null, model: string): AuthVerdict;
  /**
   * Stores metrics a replica sent back with a response, before the call is answered: synchronously
   * (the daemon's SQLite), or by returning a promise the gateway waits for before it answers (the
   * cluster's metrics store). Typed `void` so any function fits; a returned Promise is honoured.
   */
  recordMetrics(m: CallMetrics): void;
  /**
   * A call ran past the model's timeout and was cut off. The gateway has stopped sending calls to
   * this replica; the supervisor replaces it and lists it again with `setRoute`.
   */
  onReplicaTimeout(replicaId: string): void;
  /**
   * A call's connection to this replica broke mid-call or was refused. The gateway has stopped
   * sending calls to it until a later `setRoute` lists it again; the supervisor should check the
   * process (restart it if it died, or list it again if it still runs).
   */
  onReplicaDied(replicaId: string): void;
  /**
   * Why a replica whose connection broke mid-call died, once known: `out_of_memory` when its
   * memory limit killed it. Optional; the answer (502) waits for it, so it should settle quickly.
   */
  diagnoseDeath?(replicaId: string): Promise<'out_of_memory' | null>;
  /**
   * Bytes of request bodies the gateway reads at once, over all connections; a call that would
   * pass it gets 503 `gateway.overloaded` with Retry-After. Default 64 MiB (body-budget.ts).
   */
  bodyBudgetBytes?: number;
  /** Error-level notes (tracebacks, replica failures). Never called per successful call. */
  log?(line: string): void;
  /**
   * Asked once per model, when its route is first set: a function the gateway then gives the
   * seconds from accepting each call to its answer, for calls the model's function ran (answered
   * 200 or 500), with the bytes of the request and of the replica's answer. Optional (the
   * Prometheus exposition and the daemon's telemetry supply it; see prometheus.ts, src/telemetry/).
   */
  callTimer?(model: string): (seconds: number, requestBytes: number, responseBytes: number) => void;
  /**
   * The call tap: asked once per model, when its route is first set, for a function the gateway
   * then gives every settled call of that model that reached a replica, of every variant (shadows
   * included), after the client's answer is on its way. It must return quickly and never block:
   * capture and comparisons queue their work (see src/capture/). `callTimer` is one such tap.
   */
  tap?(model: string): ((call: TappedCall) => void) | null;
  /** Uniform in [0, 1): picks canaries and shadows by weight. Default Math.random; tests inject one. */
  random?(): number;
};

/**
 * `ready`: receives calls. `draining`: no new calls, some still in flight (left the route, or
 * reported dead / timed out). `removed`: no new calls and none in flight.
 */
export type ReplicaStatsState = 'ready' | 'draining' | 'removed';

/**
 * Per-replica counters, as on CML's monitoring page. Once no call is in flight:
 * `received === processed` and `processed === success + failure + error + notReady`.
 * `busy` counts 429s, which never reach a replica: each is charged to the replica the pool would
 * have tried first, and is not part of `received`.
 */
export type ReplicaCounters = {
  /** Calls sent to this replica. */
  received: number;
  /** Calls sent to this replica that have finished, whatever the outcome. */
  processed: number;
  /** The function returned a value. */
  success: number;
  /** The function raised (500 `model.error`), or the replica refused the request body (400). */
  failure: number;
  /** The replica timed out, died mid-call or answered outside the protocol (5xx gateway errors). */
  error: number;
  /** Calls refused with 429 `model.busy` while this replica was the first candidate. */
  busy: number;
  /**
   * Calls this replica refused before running them (connection refused, or 503 not ready); they
   * were retried on another replica.
   */
  notReady: number;
  /** Restarts the supervisor reported with `countRestart`. */
  restarts: number;
};

export type ReplicaStats = ReplicaCounters & {
  model: string;
  replicaId: string;
  origin: string;
  state: ReplicaStatsState;
  inFlight: number;
};

/** The gateway `createGateway` returns. */
export type Gateway = {
  /** node:http request handler for the data plane (`/model`, `/models/<name>`, `/healthz`). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** For `server.on('clientError', …)`: answers malformed requests with the JSON error shape. */
  handleClientError(err: Error, socket: Duplex): void;
  /** Adds or replaces a model's route; new calls and queued calls go to the new replicas. */
  setRoute(route: ModelRoute): void;
  /** Forgets a model: new calls get 404, queued calls 404; calls in flight finish. */
  removeRoute(name: string): void;
  /** Resolves once none of these replicas has a call in flight (unknown ids count as drained). */
  drain(replicaIds: string[]): Promise<void>;
  /** Adds one to a replica's `restarts` counter (kept for an id not listed yet). */
  countRestart(replicaId: string): void;
  /** Counters of every listed replica, plus replicas that left and still finish calls. */
  stats(): ReplicaStats[];
  /** Calls of this model waiting for a free replica now (0 for an unknown model). */
  queued(name: string): number;
  /** Copies this model's shadows missed because none of their replicas was free (0 without a shadow). */
  shadowDropped(name: string): number;
  /** Refuses queued calls, lets calls in flight finish, closes replica connections. */
  close(): Promise<void>;
};
