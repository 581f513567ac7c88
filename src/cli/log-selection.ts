// Which replica lines `slipway logs` prints, from lines in any order: pure, tested with plain values.
import type { LogLine } from '../supervisor/supervisor-types.ts';

export type LogSelection = {
  /** Keep lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Keep the last this many lines. */
  tail?: number;
  /** Only the run of the replica that crashed last (`--previous`). */
  previous?: boolean;
};

/** The lines to print, oldest first; null for `previous` when no replica has crashed. */
export function selectLogLines(lines: LogLine[], selection: LogSelection): LogLine[] | null {
  let selected = [...lines].sort((a, b) => a.time.localeCompare(b.time));
  if (selection.previous) {
    const run = lastCrashedRun(selected);
    if (run === null) return null;
    selected = run;
  }
  if (selection.sinceMs !== undefined) selected = selected.filter((l) => Date.parse(l.time) >= selection.sinceMs!);
  if (selection.tail !== undefined) selected = selected.slice(Math.max(0, selected.length - selection.tail));
  return selected;
}

// The supervisor writes one `slipway` line when a replica process starts (`starting …`, `restart #2
// (…): starting …`) and one when it ends (`exited (code 1); restarting in 1s`, `exited before it
// was ready (…)`). A crash is an `exited` line; its run is what the replica printed since it started.
const isStart = (l: LogLine) => l.stream === 'slipway' && /(^|: )starting\b/.test(l.text);
const isCrash = (l: LogLine) => l.stream === 'slipway' && l.text.startsWith('exited');

function lastCrashedRun(lines: LogLine[]): LogLine[] | null {
  const crash = lines.findLastIndex(isCrash);
  if (crash < 0) return null;
  const replica = lines[crash].replicaId;
  const own = lines.slice(0, crash + 1).filter((l) => l.replicaId === replica);
  const start = own.findLastIndex(isStart);
  return own.slice(Math.max(0, start));
}
