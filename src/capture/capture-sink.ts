// Where a capture recorder (recorder.ts) reads its settings and puts what it captured: the local
// store in the daemon, the cluster's metrics store in the in-cluster gateway
// (cluster-capture-sink.ts). The recorder itself (sampling, daily cap, redaction) is the same.
import { countCaptures, type CapturedCall, insertCaptures, loadCaptureSettings, pruneCaptures } from '../store/captures.ts';
import type { Store } from '../store/database.ts';
import type { CaptureSettings } from '../spec/types.ts';

export type CaptureSink = {
  /** Capture settings by model, as last applied (throws when they cannot be read). */
  settings(): Map<string, CaptureSettings>;
  /** Calls of `model` already captured since `sinceMs` (the daily cap's start). */
  countSince(model: string, sinceMs: number): number;
  /** Stores a batch of redacted calls (throws, or logs itself, when it cannot). */
  write(calls: CapturedCall[]): void;
  /** Deletes calls past their retention; returns how many (0 where the sink's store does it). */
  prune(nowMs: number): number;
};

/** The daemon's sink: the local SQLite store. */
export function storeCaptureSink(store: Store): CaptureSink {
  return {
    settings: () => loadCaptureSettings(store),
    countSince: (model, sinceMs) => countCaptures(store, model, sinceMs),
    write: (calls) => insertCaptures(store, calls),
    prune: (nowMs) => pruneCaptures(store, nowMs),
  };
}
