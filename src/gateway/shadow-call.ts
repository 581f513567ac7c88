// Shadow copies of a call: sent after the live answer to each shadow variant whose weight draws
// the call, only when one of its replicas is free at once (a busy shadow drops the copy and
// counts it, so mirroring never queues or delays anything). The shadow's answer goes to the call
// tap and nowhere else: no client ever sees it.
import { deliverToTap } from './call-tap.ts';
import type { Dispatcher } from 'undici';
import type { CallEnv, ModelEntry, VariantEntry } from './model-call.ts';
import { readReplicaAnswer } from './replica-answer.ts';
import type { ReplicaLink } from './replica-link.ts';
import type { Slot } from './replica-pool.ts';
import { mirrors } from './route-variants.ts';
import type { TappedOutcome } from './types.ts';

/** Sends `body` (the live call's request bytes) to the shadows that draw it. */
export function mirror(env: CallEnv, entry: ModelEntry, body: Buffer): void {
  if (entry.removed) return;
  for (const shadow of entry.shadows) {
    if (!mirrors(shadow.variant.weight, env.random())) continue;
    const slot = shadow.pool.acquire();
    if (slot === null) {
      shadow.dropped++;
      continue;
    }
    slot.value.counters.received++;
    const call = new ShadowCall(env, entry, shadow, slot, body);
    const timeout = entry.route.timeoutMs;
    try {
      slot.value.dispatcher.dispatch({ path: '/invoke', method: 'POST', body, headersTimeout: timeout, bodyTimeout: timeout }, call);
    } catch (err) {
      call.onResponseError(null, err as Error);
    }
  }
}

/** The undici handler of one shadow copy: counts its outcome on the replica and taps it. */
class ShadowCall implements Dispatcher.DispatchHandler {
  #env: CallEnv;
  #entry: ModelEntry;
  #shadow: VariantEntry;
  #slot: Slot<ReplicaLink>;
  #body: Buffer;
  #sentAt = performance.now();
  #status = 0;
  #chunks: Buffer[] = [];
  #settled = false;

  constructor(env: CallEnv, entry: ModelEntry, shadow: VariantEntry, slot: Slot<ReplicaLink>, body: Buffer) {
    this.#env = env;
    this.#entry = entry;
    this.#shadow = shadow;
    this.#slot = slot;
    this.#body = body;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: unknown, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: unknown, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    const link = this.#slot.value;
    const counters = link.counters;
    counters.processed++;
    const answer = Buffer.concat(this.#chunks);
    if (this.#status === 503) {
      // Not ready: nothing ran; the replica gets no copies until the supervisor lists it again.
      counters.notReady++;
      this.#drop('onReplicaDied');
      return;
    }
    this.#shadow.pool.release(this.#slot);
    const outcome = readReplicaAnswer(this.#status, answer, link.tail);
    const status = { success: 200, raised: 500, rejected: 400, invalid: 502 }[outcome.kind];
    if (outcome.kind === 'success') counters.success++;
    else if (outcome.kind === 'invalid') counters.error++;
    else counters.failure++;
    this.#tap(outcome.kind, status, answer);
  }

  onResponseError(_controller: unknown, err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    const counters = this.#slot.value.counters;
    counters.processed++;
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      counters.notReady++;
      this.#drop('onReplicaDied');
      return;
    }
    counters.error++;
    const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    this.#drop(timedOut ? 'onReplicaTimeout' : 'onReplicaDied');
    this.#tap(timedOut ? 'timeout' : 'died', timedOut ? 504 : 502, null);
  }

  /** Takes the replica out of the shadow's pool and tells the supervisor, as a live call would. */
  #drop(event: 'onReplicaDied' | 'onReplicaTimeout'): void {
    const id = this.#slot.value.replicaId;
    this.#shadow.pool.remove(id);
    this.#shadow.pool.release(this.#slot);
    try {
      this.#env.deps[event](id);
    } catch (err) {
      this.#env.log(`${event}(${id}) threw: ${(err as Error).stack ?? String(err)}`);
    }
  }

  #tap(outcome: TappedOutcome, status: number, answer: Buffer | null): void {
    const tap = this.#entry.tap;
    if (tap === null) return;
    const variant = this.#shadow.variant;
    deliverToTap(tap, {
      model: this.#slot.value.model, deploymentId: variant.deploymentId, build: variant.build, role: 'shadow',
      replicaId: this.#slot.value.replicaId, request: this.#body, answer, status, outcome,
      seconds: (performance.now() - this.#sentAt) / 1000, startedAt: performance.timeOrigin + this.#sentAt,
    }, this.#env.log);
  }
}
