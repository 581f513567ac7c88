// CPU time and resident memory of a replica, from /proc (Linux). A replica may run inside a
// sandbox (bubblewrap), so its whole process tree is counted, not only the pid the supervisor holds:
// the launcher itself uses a few hundred kilobytes, the model's process is the one that grows.
import { readFileSync } from 'node:fs';
import { childrenMap, descendantsIn } from '../limits/replica-cgroup.ts';

/** Cumulative CPU seconds (user + system) and current resident bytes of a process tree. */
export type ProcUsage = { cpuSeconds: number; rssBytes: number };

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux build Node supports. */
const TICKS_PER_SECOND = 100;
const MAX_PROCESSES = 64;

/** Reads the usage of process trees; see `procUsageReader`. */
export type ProcUsageReader = (pid: number) => ProcUsage | null;

/**
 * A reader for one sweep over many replicas (a status answer, a telemetry sample): where the
 * kernel has no children file, the parent of every process is read once, on the first tree that
 * needs it, and shared by the sweep's later trees, not re-read per replica.
 */
export function procUsageReader(procRoot = '/proc'): ProcUsageReader {
  let children: Map<number, number[]> | null = null;
  const below = (pid: number): number[] => descendantsIn((children ??= childrenMap(procRoot)), pid);
  return (pid) => treeUsage(pid, procRoot, below);
}

/**
 * A usage function for a caller that sweeps all replicas at once but asks one pid at a time (the
 * telemetry sampler): calls less than `sweepMs` apart share one reader, so a sweep reads /proc's
 * parents once; the next sweep starts fresh.
 */
export function sweepingProcUsage(now: () => number = Date.now, sweepMs = 100): ProcUsageReader {
  let reader: ProcUsageReader | null = null;
  let last = -Infinity;
  return (pid) => {
    const at = now();
    if (reader === null || at - last > sweepMs) reader = procUsageReader();
    last = at;
    return reader(pid);
  };
}

/** The usage of `pid` and its descendants, or null when the process is gone (or /proc is absent). */
export function readProcUsage(pid: number, procRoot = '/proc'): ProcUsage | null {
  return procUsageReader(procRoot)(pid);
}

function treeUsage(pid: number, procRoot: string, below: (pid: number) => number[]): ProcUsage | null {
  const root = readOne(pid, procRoot);
  if (!root) return null;
  // Kernels without CONFIG_PROC_CHILDREN have no children file: the tree then comes from every
  // process's parent, one scan of /proc.
  const members = root.children === null ? below(pid).slice(0, MAX_PROCESSES) : undefined;
  let cpuSeconds = root.cpuSeconds;
  let rssBytes = root.rssBytes;
  const seen = new Set<number>([pid]);
  const queue = members ?? [...root.children!];
  while (queue.length > 0 && seen.size < MAX_PROCESSES) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const one = readOne(current, procRoot);
    if (!one) continue; // exited meanwhile
    cpuSeconds += one.cpuSeconds;
    rssBytes += one.rssBytes;
    if (members === undefined && one.children !== null) queue.push(...one.children);
  }
  return { cpuSeconds, rssBytes };
}

function readOne(pid: number, procRoot: string): (ProcUsage & { children: number[] | null }) | null {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields restart after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const status = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    let children: number[] | null = null;
    try {
      children = readFileSync(`${procRoot}/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      // No children file on this kernel: the caller scans /proc instead.
    }
    return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: rss ? Number(rss[1]) * 1024 : 0, children };
  } catch {
    return null;
  }
}
