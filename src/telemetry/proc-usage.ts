// CPU time and resident memory of a replica, from /proc (Linux). A replica may run inside a
// sandbox (bubblewrap), so its whole process tree is counted, not only the pid the supervisor holds:
// the launcher itself uses a few hundred kilobytes, the model's process is the one that grows.
import { readFileSync } from 'node:fs';
import { descendantsOf } from '../limits/replica-cgroup.ts';

/** Cumulative CPU seconds (user + system) and current resident bytes of a process tree. */
export type ProcUsage = { cpuSeconds: number; rssBytes: number };

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux build Node supports. */
const TICKS_PER_SECOND = 100;
const MAX_PROCESSES = 64;

/** The usage of `pid` and its descendants, or null when the process is gone (or /proc is absent). */
export function readProcUsage(pid: number, procRoot = '/proc'): ProcUsage | null {
  const root = readOne(pid, procRoot);
  if (!root) return null;
  // Kernels without CONFIG_PROC_CHILDREN (this machine's among them) have no children file: the
  // tree then comes from every process's parent, one scan of /proc.
  const members = root.children === null ? descendantsOf(pid, procRoot).slice(0, MAX_PROCESSES) : undefined;
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
