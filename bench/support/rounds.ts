// Benchmarks that run their whole sequence several times report one row per server and load: the
// median of each number over the rounds. Shared by gateway-vs-peers.ts and data-path.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { renderProfile, summarizeProfile } from './cpu-profile.ts';
import { median } from './results.ts';
import type { WrkResult } from './wrk.ts';

/** The runs of one server at one load, in the order the rows were first measured. */
export function groupRounds<T extends { key: string; connections: number }>(rows: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const id = `${row.key}\u0000${row.connections}`;
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return [...groups.values()];
}

/** One wrk result from several runs: the median of each number, the largest max, the sum of errors. */
export function medianWrk(runs: WrkResult[]): WrkResult {
  const med = (f: (r: WrkResult) => number): number => median(runs.map(f));
  return {
    requests: med((r) => r.requests), seconds: med((r) => r.seconds), rps: med((r) => r.rps),
    p50: med((r) => r.p50), p99: med((r) => r.p99), max: Math.max(...runs.map((r) => r.max)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0), socketErrors: runs.reduce((n, r) => n + r.socketErrors, 0),
  };
}

/** The daemon's CPU profile (written by `node --cpu-prof` into `dir` on exit), rendered per call. */
export function daemonProfile(dir: string, daemonPid: number, calls: number): string {
  const file = readdirSync(dir).find((f) => f.includes(`.${daemonPid}.`));
  if (!file) throw new Error(`no CPU profile of the daemon (pid ${daemonPid}) in ${dir}: did it exit normally?`);
  return renderProfile(summarizeProfile(path.join(dir, file)), calls);
}
