// A process's resident memory and CPU time, read from /proc (Linux), for `slipway status`.
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux Slipway runs on. */
const CLOCK_TICKS = 100;

export type ProcessUsage = { rssBytes: number; cpuSeconds: number };

/** Usage of `pid` now, or null when it is gone or /proc cannot tell. */
export function processUsage(pid: number): ProcessUsage | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? Number.NaN);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    if (!Number.isFinite(rssKb) || !Number.isFinite(ticks)) return null;
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return null;
  }
}
