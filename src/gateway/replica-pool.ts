// One model's replicas: which one takes a call, the FIFO queue of calls waiting for a free one,
// atomic swaps of the replica set (redeploys) and knowing when old replicas have drained.
// Generic over what a replica carries (the gateway's connection pool and counters), so it is
// tested with plain values.
import { pickReplica } from './replica-select.ts';
import type { ReplicaHandle } from './types.ts';

/** A replica as the pool tracks it; `value` is what `open` made for its current origin. */
export type Slot<T> = {
  readonly id: string;
  origin: string;
  inFlight: number;
  /** In the list the last `replace` gave. */
  listed: boolean;
  /** Reported dead or timed out: gets no calls until a `replace` lists it again. */
  dead: boolean;
  /** Dropped from the pool once its last call ends (it left the route with its deployment). */
  forget: boolean;
  /** False once `close` was called on `value` (the slot left the route). */
  open: boolean;
  value: T;
  drainWaiters: (() => void)[] | null;
};

/**
 * Why a waiting call got no replica. `busy`: every replica stayed full for `busyTimeoutMs`.
 * `unavailable`: no replica was ready for that long. `stopped` / `removed`: the route changed.
 */
export type Refusal = 'busy' | 'unavailable' | 'stopped' | 'removed';

export type PoolOptions<T> = {
  concurrency: number;
  busyTimeoutMs: number;
  /**
   * Makes what a replica process needs (connections) for a new origin; `previous` is what the
   * same replica id had before (a restarted process), or null for a replica new to the pool.
   */
  open(handle: ReplicaHandle, previous: T | null): T;
  /** Releases it; must let calls already started on it finish (undici's graceful close does). */
  close(value: T): void;
};

/** setTimeout fires at once for longer delays; a wait this long is "forever" anyway (~24 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A queued call; `cancel` takes it out of the queue (its client went away). */
export type Waiter = { cancel(): void };

type Queued<T> = {
  done: (outcome: Slot<T> | Refusal) => void;
  timer: ReturnType<typeof setTimeout>;
  cancel(): void;
};

/** One model's replicas, its queue of waiting calls, and its drain promises. */
export class ReplicaPool<T> {
  #slots = new Map<string, Slot<T>>();
  /** Listed and not dead, in route order: the only slots selection looks at. */
  #ready: Slot<T>[] = [];
  /**
   * Index in #ready of the replica used most recently (picked or freed): selection starts there,
   * so with few calls in flight they keep going to one warm replica (its caches, its connection)
   * while the others stay idle, instead of being spread round-robin over cold ones.
   */
  #cursor = 0;
  #queue: Queued<T>[] = [];
  #concurrency: number;
  #busyTimeoutMs: number;
  #open: (handle: ReplicaHandle, previous: T | null) => T;
  #close: (value: T) => void;

  constructor(options: PoolOptions<T>) {
    this.#concurrency = options.concurrency;
    this.#busyTimeoutMs = options.busyTimeoutMs;
    this.#open = options.open;
    this.#close = options.close;
  }

  /** Changes limits; a higher concurrency serves queued calls at once. */
  configure(concurrency: number, busyTimeoutMs: number): void {
    this.#concurrency = concurrency;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#serveQueue();
  }

  /**
   * Makes `handles` the replica set in one step: calls from now on, and queued ones, go to them.
   * Slots that left keep their calls in flight (see `drained`). A listed slot that was reported
   * dead is back; one whose origin changed (a restarted process) gets a fresh `open`.
   * `forgetUnlisted` (a new deployment) drops slots that left once drained; otherwise they are
   * kept, idle, with their counters, for the same id to come back after a restart.
   */
  replace(handles: readonly ReplicaHandle[], forgetUnlisted: boolean): void {
    for (const slot of this.#slots.values()) slot.listed = false;
    const ready: Slot<T>[] = [];
    for (const handle of handles) {
      let slot = this.#slots.get(handle.id);
      if (slot === undefined) {
        slot = {
          id: handle.id, origin: handle.origin, inFlight: 0, listed: true, dead: false,
          forget: false, open: true, value: this.#open(handle, null), drainWaiters: null,
        };
        this.#slots.set(handle.id, slot);
      } else if (slot.listed) {
        continue; // the same id twice in one list: keep the first
      } else if (!slot.open || slot.origin !== handle.origin) {
        if (slot.open) this.#close(slot.value);
        slot.origin = handle.origin;
        slot.value = this.#open(handle, slot.value);
        slot.open = true;
      }
      slot.listed = true;
      slot.dead = false;
      slot.forget = false;
      ready.push(slot);
    }
    for (const slot of this.#slots.values()) {
      if (slot.listed) continue;
      if (slot.open) {
        slot.open = false;
        this.#close(slot.value);
      }
      slot.forget = forgetUnlisted;
      if (forgetUnlisted && slot.inFlight === 0) this.#slots.delete(slot.id);
    }
    this.#ready = ready;
    this.#cursor = 0;
    this.#serveQueue();
  }

  /** A free replica for a new call (counted in flight), or null: then `wait`. */
  acquire(): Slot<T> | null {
    // Calls already queued go first; the queue is only non-empty while every replica is full.
    if (this.#queue.length > 0) return null;
    return this.#take();
  }

  /**
   * Queues a call until a replica frees up (FIFO) or `busyTimeoutMs` passes. `done` runs once,
   * with the slot (already counted in flight) or the refusal.
   */
  wait(done: (outcome: Slot<T> | Refusal) => void): Waiter {
    const queued: Queued<T> = {
      done,
      timer: setTimeout(() => {
        this.#dequeue(queued);
        done(this.#ready.length > 0 ? 'busy' : 'unavailable');
      }, Math.min(this.#busyTimeoutMs, MAX_TIMER_MS)),
      cancel: () => {
        if (this.#dequeue(queued)) clearTimeout(queued.timer);
      },
    };
    this.#queue.push(queued);
    return queued;
  }

  /** Ends a call on `slot`: hands the freed place to the first queued call, if any. */
  release(slot: Slot<T>): void {
    slot.inFlight--;
    if (slot.listed && !slot.dead) {
      const at = this.#ready.indexOf(slot);
      if (at >= 0) this.#cursor = at;
    }
    if (this.#queue.length > 0 && slot.listed && !slot.dead && slot.inFlight < this.#concurrency) {
      const first = this.#queue.shift()!;
      clearTimeout(first.timer);
      slot.inFlight++;
      first.done(slot);
      return;
    }
    if (slot.inFlight > 0) return;
    if (slot.drainWaiters !== null) {
      const waiters = slot.drainWaiters;
      slot.drainWaiters = null;
      for (const resolve of waiters) resolve();
    }
    if (slot.forget && this.#slots.get(slot.id) === slot) this.#slots.delete(slot.id);
  }

  /** Takes a replica out of selection (dead or timed out) until a `replace` lists it again. */
  remove(id: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined || slot.dead) return;
    slot.dead = true;
    this.#ready = this.#ready.filter((s) => s !== slot);
  }

  /** Refuses every queued call with `reason` (the model stopped or was removed). */
  refuseQueued(reason: Refusal): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const queued of queue) {
      clearTimeout(queued.timer);
      queued.done(reason);
    }
  }

  /** Resolves once none of these replicas has a call in flight; unknown ids are drained. */
  drained(ids: readonly string[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (slot === undefined || slot.inFlight === 0) continue;
      pending.push(new Promise<void>((resolve) => (slot.drainWaiters ??= []).push(resolve)));
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /** The replica a new call would try first now (where a 429 is charged), or null. */
  firstCandidate(): Slot<T> | null {
    const n = this.#ready.length;
    return n === 0 ? null : this.#ready[this.#cursor % n];
  }

  get(id: string): Slot<T> | undefined {
    return this.#slots.get(id);
  }

  slots(): IterableIterator<Slot<T>> {
    return this.#slots.values();
  }

  /** Calls waiting for a replica now. */
  get queued(): number {
    return this.#queue.length;
  }

  #take(): Slot<T> | null {
    const at = pickReplica(this.#ready, this.#concurrency, this.#cursor);
    if (at < 0) return null;
    this.#cursor = at;
    const slot = this.#ready[at];
    slot.inFlight++;
    return slot;
  }

  #serveQueue(): void {
    while (this.#queue.length > 0) {
      const slot = this.#take();
      if (slot === null) return;
      const first = this.#queue.shift()!;
      clearTimeout(first.timer);
      first.done(slot);
    }
  }

  #dequeue(queued: Queued<T>): boolean {
    const at = this.#queue.indexOf(queued);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    return true;
  }
}
