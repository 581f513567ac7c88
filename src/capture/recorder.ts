// Capture of live calls, fed by the gateway's call tap. The tap only decides (sample draw, daily
// cap) and queues the call's bytes: parsing, redaction and the SQLite write happen later, once
// per `flushMs`, in slices of `sliceRows` calls, one slice per turn of the event loop: a captured
// call is answered as fast as any other, and a call arriving meanwhile waits for one slice at
// most, never for a whole batch (bench/capture-cost.ts).
// Shadow copies are never captured: only what clients were answered. Where settings come from and
// captures go is the sink's business (capture-sink.ts): the local store, or the cluster's metrics store.
import type { TappedCall } from '../gateway/types.ts';
import type { CapturedCall } from '../store/captures.ts';
import type { Store } from '../store/database.ts';
import { storeCaptureSink, type CaptureSink } from './capture-sink.ts';
import type { CaptureSettings } from '../spec/types.ts';
import { redact } from './redact.ts';

export type RecorderOptions = {
  /** The local store (the daemon), or `sink` for anywhere else. */
  store?: Store;
  sink?: CaptureSink;
  log(line: string): void;
  /** ms since the epoch; injected by tests. */
  now?(): number;
  /** Uniform in [0, 1): the sample draw; injected by tests. */
  random?(): number;
  /** How long a captured call may wait in memory before the batch is written (default 1 s). */
  flushMs?: number;
  /** Calls held in memory at most; past it new captures are dropped and counted (default 10,000). */
  maxQueued?: number;
  /** Captured calls written in one transaction, per turn of the event loop (default 100). */
  sliceRows?: number;
};

export type CaptureRecorder = {
  /** For GatewayDeps.tap: the same function for every model (settings are read per call). */
  tap(model: string): (call: TappedCall) => void;
  /** Writes what is queued now, at once. */
  flush(): void;
  /** Writes what is queued now a slice per turn of the event loop (as the timer does); resolves once written. */
  drain(): Promise<void>;
  /** Reads the capture settings again (after an apply saved new ones). */
  reload(): void;
  /** Deletes captured calls past their retention; returns how many. */
  prune(): number;
  /** Calls dropped because the queue was full. */
  readonly dropped: number;
  /** Writes what is queued and stops the timers. */
  close(): void;
};

const DAY_MS = 86_400_000;
const RELOAD_MS = 2_000;
const PRUNE_MS = 3_600_000;

/** A recorder over `store`; its timers are unref'd, so it never keeps a process alive. */
export function createCaptureRecorder(opts: RecorderOptions): CaptureRecorder {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const flushMs = opts.flushMs ?? 1000;
  const maxQueued = opts.maxQueued ?? 10_000;
  const sliceRows = Math.max(1, opts.sliceRows ?? 100);
  const sink = opts.sink ?? storeCaptureSink(opts.store!);
  let settings = new Map<string, CaptureSettings>();
  /** Captured today per model (queued or stored), for `maxPerDay`; reset when the UTC day turns. */
  let today = new Map<string, number>();
  let day = Math.floor(now() / DAY_MS);
  let queue: TappedCall[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let dropped = 0;
  /** Taken from the queue by `drain`, written from `next` on, a slice per turn; then `drained`. */
  let writing: TappedCall[] = [];
  let next = 0;
  let drained: Promise<void> | null = null;
  let resolveDrained = (): void => {};

  function reload(): void {
    try {
      settings = sink.settings();
    } catch (err) {
      opts.log(`cannot read capture settings: ${(err as Error).message}`);
    }
  }

  function capturedToday(model: string): number {
    let count = today.get(model);
    if (count === undefined) {
      count = sink.countSince(model, day * DAY_MS);
      today.set(model, count);
    }
    return count;
  }

  function record(call: TappedCall): void {
    if (call.role === 'shadow') return;
    const s = settings.get(call.model);
    if (s === undefined || !(random() < s.sample)) return;
    const nowDay = Math.floor(now() / DAY_MS);
    if (nowDay !== day) {
      day = nowDay;
      today = new Map();
    }
    const count = capturedToday(call.model);
    if (count >= s.maxPerDay) return;
    if (queue.length + writing.length - next >= maxQueued) {
      dropped++;
      return;
    }
    today.set(call.model, count + 1);
    queue.push(call);
    flushTimer ??= setTimeout(() => void drain(), flushMs).unref();
  }

  /** Parses, redacts and stores `batch` in one transaction. */
  function write(batch: readonly TappedCall[]): void {
    if (batch.length === 0) return;
    const rows: CapturedCall[] = [];
    for (const call of batch) {
      const row = toRow(call, settings.get(call.model)?.redact ?? []);
      if (row !== null) rows.push(row);
    }
    try {
      sink.write(rows);
    } catch (err) {
      opts.log(`cannot store ${rows.length} captured calls: ${(err as Error).message}`);
    }
  }

  /** Moves the queue behind what is being written, so the order of calls is kept. */
  function takeQueue(): void {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    if (queue.length === 0) return;
    writing = next === writing.length ? queue : [...writing.slice(next), ...queue];
    next = 0;
    queue = [];
  }

  function flush(): void {
    takeQueue();
    write(writing.slice(next));
    writing = [];
    next = 0;
  }

  function drain(): Promise<void> {
    takeQueue();
    if (drained === null && next < writing.length) {
      drained = new Promise((resolve) => {
        resolveDrained = resolve;
      });
      writeSlice();
    }
    return drained ?? Promise.resolve();
  }

  function writeSlice(): void {
    const end = Math.min(next + sliceRows, writing.length);
    write(writing.slice(next, end));
    next = end;
    if (next < writing.length) {
      setImmediate(writeSlice);
      return;
    }
    writing = [];
    next = 0;
    drained = null;
    resolveDrained();
  }

  function prune(): number {
    try {
      return sink.prune(now());
    } catch (err) {
      opts.log(`cannot delete old captured calls: ${(err as Error).message}`);
      return 0;
    }
  }

  reload();
  const reloadTimer = setInterval(reload, RELOAD_MS).unref();
  const pruneTimer = setInterval(prune, PRUNE_MS).unref();
  return {
    tap: () => record,
    flush,
    drain,
    reload,
    prune,
    get dropped() {
      return dropped;
    },
    close() {
      clearInterval(reloadTimer);
      clearInterval(pruneTimer);
      flush();
    },
  };
}

/**
 * A stored row: the request and the answer's value (or its error's type and message, never a
 * traceback) parsed, redacted and written back as JSON. Null for bytes that are not JSON (the
 * gateway only forwards JSON, so this is a replica outside the protocol).
 */
export function toRow(call: TappedCall, pointers: readonly string[]): CapturedCall | null {
  let request: unknown;
  try {
    request = JSON.parse(call.request.toString('utf8'));
  } catch {
    return null;
  }
  let response: unknown = null;
  if (call.answer !== null) {
    try {
      const answer = JSON.parse(call.answer.toString('utf8')) as { response?: unknown; error?: { type?: unknown; message?: unknown } };
      if (call.outcome === 'success') response = { value: answer.response };
      else if (answer.error !== undefined) response = { error: { type: answer.error.type, message: answer.error.message } };
    } catch {
      response = null;
    }
  }
  if (pointers.length > 0) {
    request = redact(request, pointers);
    if (response !== null && typeof response === 'object' && 'value' in response) {
      // Pointers name fields of the answer's value, as of the request: "/score" on either side.
      (response as { value: unknown }).value = redact((response as { value: unknown }).value, pointers);
    }
  }
  return {
    model: call.model, deploymentId: call.deploymentId, build: call.build, at: Math.round(call.startedAt),
    latencyMs: call.seconds * 1000, status: call.status, outcome: call.outcome,
    request: JSON.stringify(request) ?? 'null', response: response === null ? null : JSON.stringify(response),
  };
}
