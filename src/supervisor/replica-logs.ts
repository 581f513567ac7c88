// Replica output kept twice: a memory ring per replica slot for fast reads, and an append-only
// file per slot (`<logDir>/<model>/<slotId>.log`, one JSON `{time, stream, text}` a line) that
// outlives the replica, its restarts and the daemon.
import fs from 'node:fs';
import path from 'node:path';
import { LogRing } from './log-ring.ts';
import type { LogLine, LogStream } from './supervisor-types.ts';

type Entry = { seq: number; line: LogLine };

/** One slot's log: every line goes to its ring, its file and the model's followers. */
export type SlotLog = {
  write(stream: LogStream, text: string, time?: string): void;
  /** Last `count` lines of the given streams, oldest first (for error messages). */
  tail(streams: LogStream[], count: number): string[];
  /** Flushes and closes the file; the ring stays readable. */
  close(): Promise<void>;
};

export type ReplicaLogs = {
  open(model: string, slotId: string): SlotLog;
  /** Lines newest first, of one replica or of all the model's replicas, at most `limit` (default 100). */
  logs(model: string, options?: { replicaId?: string; limit?: number }): LogLine[];
  /** Calls `onLine` for each new line of the model; returns the unsubscribe function. */
  follow(model: string, onLine: (line: LogLine) => void): () => void;
};

export type ReplicaLogsOptions = {
  logDir: string;
  /** Lines kept in memory per slot. */
  ringSize?: number;
  /** Slots whose rings are kept in memory per model once closed; their files stay on disk. */
  closedSlotsPerModel?: number;
};

/** A slot id is a file name: refuse anything that could leave the log folder. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Creates the log store for all replicas of the supervisor. */
export function createReplicaLogs(options: ReplicaLogsOptions): ReplicaLogs {
  const ringSize = options.ringSize ?? 1000;
  const closedSlotsPerModel = options.closedSlotsPerModel ?? 50;
  const rings = new Map<string, Map<string, LogRing<Entry>>>();
  const closedOrder = new Map<string, string[]>();
  const followers = new Map<string, Set<(line: LogLine) => void>>();
  let seq = 0;

  function modelRings(model: string): Map<string, LogRing<Entry>> {
    let byModel = rings.get(model);
    if (!byModel) rings.set(model, (byModel = new Map()));
    return byModel;
  }

  function notify(model: string, line: LogLine): void {
    const set = followers.get(model);
    if (!set) return;
    for (const onLine of [...set]) {
      // A follower that throws (say, its HTTP response closed) is dropped so it cannot disturb the replica.
      try {
        onLine(line);
      } catch {
        set.delete(onLine);
      }
    }
  }

  function forget(model: string, slotId: string): void {
    const order = closedOrder.get(model) ?? [];
    order.push(slotId);
    closedOrder.set(model, order);
    while (order.length > closedSlotsPerModel) modelRings(model).delete(order.shift() as string);
  }

  function open(model: string, slotId: string): SlotLog {
    for (const name of [model, slotId]) {
      if (!SAFE_NAME.test(name)) throw new Error(`"${name}" cannot name a log file: use letters, digits, '.', '_' and '-'`);
    }
    const ring = modelRings(model).get(slotId) ?? new LogRing<Entry>(ringSize);
    modelRings(model).set(slotId, ring);
    const dir = path.join(options.logDir, model);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Only the daemon's user reads replica output: a model may print its data.
    const file = fs.createWriteStream(path.join(dir, `${slotId}.log`), { flags: 'a', mode: 0o600 });
    let fileError: Error | null = null;
    // A full or broken disk must not take the replica down; the ring keeps working.
    file.on('error', (error) => {
      fileError = error;
    });
    let closed = false;

    return {
      write(stream, text, time = new Date().toISOString()) {
        const line: LogLine = { time, stream, text, replicaId: slotId };
        ring.push({ seq: ++seq, line });
        if (!closed && !fileError) file.write(`${JSON.stringify({ time, stream, text })}\n`);
        notify(model, line);
      },
      tail(streams, count) {
        const lines: string[] = [];
        for (const { line } of ring.newest()) {
          if (!streams.includes(line.stream)) continue;
          lines.push(line.text);
          if (lines.length === count) break;
        }
        return lines.reverse();
      },
      close() {
        if (closed) return Promise.resolve();
        closed = true;
        forget(model, slotId);
        return new Promise<void>((resolve) => {
          if (fileError) resolve();
          else file.end(() => resolve());
        });
      },
    };
  }

  function logs(model: string, query: { replicaId?: string; limit?: number } = {}): LogLine[] {
    const limit = query.limit ?? 100;
    const byModel = rings.get(model);
    if (!byModel) return [];
    const selected = query.replicaId === undefined ? [...byModel.values()] : [byModel.get(query.replicaId)].filter((r) => r !== undefined);
    return selected
      .flatMap((ring) => ring.newest(limit))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit)
      .map((entry) => entry.line);
  }

  function follow(model: string, onLine: (line: LogLine) => void): () => void {
    let set = followers.get(model);
    if (!set) followers.set(model, (set = new Set()));
    set.add(onLine);
    return () => {
      set.delete(onLine);
    };
  }

  return { open, logs, follow };
}
