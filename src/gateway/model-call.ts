// One call from the moment its request is accepted: get a replica (now or after waiting), send
// the body over the replica's keep-alive connection, and turn what comes back (or what went
// wrong) into the client's answer, the replica's counters and the supervisor's reports.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { sendBytes, sendError } from './answers.ts';
import { gatewayBug, refuse } from './call-refusal.ts';
import { readReplicaAnswer } from './replica-answer.ts';
import type { ReplicaLink } from './replica-link.ts';
import type { ReplicaPool, Slot } from './replica-pool.ts';
import { pickServing, type Variant } from './route-variants.ts';
import { mirror } from './shadow-call.ts';
import { deliverToTap } from './call-tap.ts';
import { recordCallMetrics } from './call-metrics.ts';
import type { GatewayDeps, ModelRoute, TappedCall, TappedOutcome } from './types.ts';

/** One variant of a served model and its replicas; `dropped` counts copies a busy shadow missed. */
export type VariantEntry = { variant: Variant; pool: ReplicaPool<ReplicaLink>; dropped: number };

/**
 * A served model: its current route; its serving variants (the primary first, then canaries) and
 * its shadows, each with its replicas; `removed` once `removeRoute` dropped it; `tap` takes each
 * settled call (or null when nobody asked, so an untapped call builds no record).
 */
export type ModelEntry = {
  route: ModelRoute; serving: VariantEntry[]; shadows: VariantEntry[]; removed: boolean;
  tap: ((call: TappedCall) => void) | null;
};

/** What a call needs from the gateway: the daemon's deps, a log that never throws, a draw in [0, 1). */
export type CallEnv = { deps: GatewayDeps; log(line: string): void; random(): number };

/** Replicas refusing connections are skipped this many times before the call gives up. */
const MAX_ATTEMPTS = 3;

/**
 * Runs a call whose request is accepted (route found, authorized, body read and valid).
 * `body` is the request JSON sent to the replica as is (the client's own bytes).
 */
export function startCall(
  env: CallEnv, entry: ModelEntry, res: ServerResponse, body: Buffer, attempt = 1, acceptedAt = performance.now(),
  chosen: VariantEntry | null = null,
): void {
  // The route may have changed while the body was arriving.
  if (entry.removed) return refuse(entry, null, res, 'removed');
  if (entry.route.state === 'stopped') return refuse(entry, null, res, 'stopped');
  // A retry stays on its variant; a single serving variant costs no draw.
  const target = chosen ?? (entry.serving.length === 1 ? entry.serving[0] : pickServing(entry.serving, weightOf, env.random()));
  const slot = target.pool.acquire();
  if (slot !== null) {
    sendToReplica(env, entry, target, res, body, slot, attempt, acceptedAt);
    return;
  }
  const onClientGone = (): void => waiter.cancel();
  const waiter = target.pool.wait((outcome) => {
    res.removeListener('close', onClientGone);
    try {
      // A canary that left the route while this call waited for it: the call goes to what serves now.
      if (outcome === 'removed' && !entry.removed) startCall(env, entry, res, body, attempt, acceptedAt);
      else if (typeof outcome === 'string') refuse(entry, target, res, outcome);
      else sendToReplica(env, entry, target, res, body, outcome, attempt, acceptedAt);
    } catch (err) {
      // This runs from a timer or from another call's end: nothing above it would catch.
      gatewayBug(env, res, err);
    }
  });
  // A client that hangs up while queued must not later take a replica for nothing.
  res.on('close', onClientGone);
}

const weightOf = (target: VariantEntry): number => target.variant.weight;

function sendToReplica(
  env: CallEnv, entry: ModelEntry, target: VariantEntry, res: ServerResponse, body: Buffer, slot: Slot<ReplicaLink>, attempt: number, acceptedAt: number,
): void {
  const link = slot.value;
  link.counters.received++;
  const call = new ReplicaCall(env, entry, target, res, body, slot, attempt, acceptedAt);
  const timeout = entry.route.timeoutMs;
  try {
    // No headers: the runtime needs only Content-Length, which undici adds.
    link.dispatcher.dispatch(
      { path: '/invoke', method: 'POST', body, headersTimeout: timeout, bodyTimeout: timeout },
      call,
    );
  } catch (err) {
    call.onResponseError(null, err as Error);
  }
}

/** The undici handler of one call: collects the answer, then settles once. */
class ReplicaCall implements Dispatcher.DispatchHandler {
  #env: CallEnv;
  #entry: ModelEntry;
  #target: VariantEntry;
  #res: ServerResponse;
  #body: Buffer;
  #slot: Slot<ReplicaLink>;
  #attempt: number;
  #acceptedAt: number;
  #status = 0;
  #first: Buffer | null = null;
  #chunks: Buffer[] | null = null;
  #settled = false;

  constructor(
    env: CallEnv, entry: ModelEntry, target: VariantEntry, res: ServerResponse, body: Buffer, slot: Slot<ReplicaLink>, attempt: number, acceptedAt: number,
  ) {
    this.#acceptedAt = acceptedAt;
    this.#env = env;
    this.#entry = entry;
    this.#target = target;
    this.#res = res;
    this.#body = body;
    this.#slot = slot;
    this.#attempt = attempt;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: unknown, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: unknown, chunk: Buffer): void {
    if (this.#first === null) this.#first = chunk;
    else (this.#chunks ??= [this.#first]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    const body = this.#chunks !== null ? Buffer.concat(this.#chunks) : (this.#first ?? Buffer.alloc(0));
    try {
      this.#answered(body);
    } catch (err) {
      gatewayBug(this.#env, this.#res, err);
    }
  }

  onResponseError(_controller: unknown, err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    try {
      this.#failed(err);
    } catch (bug) {
      gatewayBug(this.#env, this.#res, bug);
    }
  }

  #answered(body: Buffer): void {
    if (this.#status === 503) return this.#notReady();
    const slot = this.#slot;
    const link = slot.value;
    const counters = link.counters;
    const res = this.#res;
    counters.processed++;
    this.#target.pool.release(slot);
    const outcome = readReplicaAnswer(this.#status, body, link.tail);
    switch (outcome.kind) {
      case 'success':
        counters.success++;
        // Stored before answering: a client that reads its prediction's metrics right after the
        // answer must find them.
        if (outcome.metrics !== null) {
          const stored = this.#recordMetrics(outcome.metrics, outcome.uuid);
          if (stored) {
            // A store across the network (the cluster's metrics store): answer once it has them.
            const envelope = outcome.envelope;
            void stored.then(() => sendBytes(res, 200, envelope), () => sendBytes(res, 200, envelope));
            this.#settle('success', 200, body);
            return;
          }
        }
        sendBytes(res, 200, outcome.envelope);
        this.#settle('success', 200, body);
        return;
      case 'raised':
        counters.failure++;
        this.#env.log(`${link.model}: call on ${link.replicaId} raised ${outcome.type}: ${outcome.message}\n${outcome.traceback}`);
        sendError(res, 500, 'model.error', `${outcome.type}: ${outcome.message}`, {
          error: { type: outcome.type, message: outcome.message }, ReplicaID: link.replicaId,
        });
        this.#settle('raised', 500, body);
        return;
      case 'rejected':
        counters.failure++;
        sendError(res, 400, 'request.rejected', `the replica refused the request: ${outcome.message}`, { ReplicaID: link.replicaId });
        this.#settle('rejected', 400, body);
        return;
      case 'invalid':
        counters.error++;
        this.#env.log(`${link.model}: replica ${link.replicaId} answered outside the protocol: ${outcome.detail}`);
        sendError(res, 502, 'replica.bad_answer', `replica ${link.replicaId} gave an answer the gateway cannot read`, { ReplicaID: link.replicaId });
        this.#settle('invalid', 502, body);
        return;
    }
  }

  /**
   * After the client's answer: the tap sees the call, and shadows get their copies of a call the
   * function ran (mirrored last, so a shadow never delays the live answer).
   */
  #settle(outcome: TappedOutcome, status: number, answer: Buffer | null): void {
    const entry = this.#entry;
    if (entry.tap !== null) {
      const variant = this.#target.variant;
      const link = this.#slot.value;
      deliverToTap(entry.tap, {
        model: link.model, deploymentId: variant.deploymentId, build: variant.build, role: variant.role, replicaId: link.replicaId,
        request: this.#body, answer, status, outcome,
        seconds: (performance.now() - this.#acceptedAt) / 1000, startedAt: performance.timeOrigin + this.#acceptedAt,
      }, this.#env.log);
    }
    if (entry.shadows.length > 0 && (outcome === 'success' || outcome === 'raised')) mirror(this.#env, entry, this.#body);
  }

  #failed(err: Error): void {
    const slot = this.#slot;
    const link = slot.value;
    const pool = this.#target.pool;
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      this.#notReady();
      return;
    }
    link.counters.processed++;
    link.counters.error++;
    pool.remove(link.replicaId);
    pool.release(slot);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      this.#report('onReplicaTimeout', link.replicaId);
      sendError(this.#res, 504, 'model.timeout',
        `the call ran past ${this.#entry.route.timeoutMs} ms and was cut off; the replica is being replaced`, { ReplicaID: link.replicaId });
      this.#settle('timeout', 504, null);
      return;
    }
    this.#env.log(`${link.model}: replica ${link.replicaId} died mid-call: ${String(code ?? err.message)}`);
    this.#report('onReplicaDied', link.replicaId);
    const diagnose = this.#env.deps.diagnoseDeath;
    if (diagnose === undefined) return this.#died(null);
    let cause: Promise<'out_of_memory' | null>;
    try {
      cause = diagnose(link.replicaId);
    } catch (bug) {
      this.#env.log(`diagnoseDeath(${link.replicaId}) threw: ${(bug as Error).stack ?? String(bug)}`);
      return this.#died(null);
    }
    cause.then((found) => this.#died(found), () => this.#died(null));
  }

  #died(cause: 'out_of_memory' | null): void {
    const link = this.#slot.value;
    if (cause === 'out_of_memory') {
      sendError(this.#res, 502, 'replica.out_of_memory',
        `replica ${link.replicaId} was killed by its memory limit (resources.memory) during the call; it is being restarted. Lower the call's memory use or raise the limit`,
        { ReplicaID: link.replicaId });
    } else {
      sendError(this.#res, 502, 'replica.died',
        `replica ${link.replicaId} went away during the call; it is being restarted, retry the call`, { ReplicaID: link.replicaId });
    }
    this.#settle('died', 502, null);
  }

  /**
   * The replica refused the connection or said it is not ready (503): the function never ran, so
   * the call goes to another replica, and this one gets no calls until it is listed again.
   */
  #notReady(): void {
    const slot = this.#slot;
    const link = slot.value;
    const pool = this.#target.pool;
    link.counters.processed++;
    link.counters.notReady++;
    pool.remove(link.replicaId);
    pool.release(slot);
    this.#report('onReplicaDied', link.replicaId);
    if (this.#attempt < MAX_ATTEMPTS && !this.#res.destroyed) {
      startCall(this.#env, this.#entry, this.#res, this.#body, this.#attempt + 1, this.#acceptedAt, this.#target);
    } else {
      sendError(this.#res, 503, 'model.unavailable', `no replica of ${link.model} accepted the call; see \`slipway status\``);
    }
  }

  #report(event: 'onReplicaDied' | 'onReplicaTimeout', replicaId: string): void {
    try {
      this.#env.deps[event](replicaId);
    } catch (err) {
      this.#env.log(`${event}(${replicaId}) threw: ${(err as Error).stack ?? String(err)}`);
    }
  }

  /** Stores the call's metrics; a promise when the store is remote (settles when it has them). */
  #recordMetrics(metrics: Record<string, unknown>, uuid: string | null): Promise<void> | null {
    return recordCallMetrics(this.#env, this.#slot.value, metrics, uuid);
  }
}
