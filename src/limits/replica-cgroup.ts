// One replica process's cgroups: made before it starts, the pid written in right after spawn (the
// runtime has not imported the model yet), read after it exits to tell an out-of-memory kill from
// any other death, removed once it is gone.
import fs from 'node:fs';
import path from 'node:path';
import { ensureSubtree, type CgroupSupport, type ControllerRoot } from './cgroups.ts';

export type ReplicaLimits = { memoryBytes: number | null; cpus: number | null };

export type ReplicaCgroup = {
  /** Moves `pid` into the cgroups (its later children follow). False when the kernel refused. */
  attach(pid: number): boolean;
  /** True once the kernel's OOM killer killed something in this cgroup because of its limit. */
  oomKilled(): boolean;
  /** Removes the cgroups (after the process exited). */
  remove(): void;
};

const CPU_PERIOD_US = 100_000;

function write(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value);
}

function tryWrite(dir: string, file: string, value: string): void {
  try {
    write(dir, file, value);
  } catch {
    // Optional knob (swap accounting off, older kernel): the main limit still holds.
  }
}

function makeMemory(root: ControllerRoot, name: string, bytes: number): string {
  ensureSubtree(root, 'memory');
  const dir = path.join(root.dir, name);
  fs.mkdirSync(dir);
  if (root.version === 2) {
    write(dir, 'memory.max', String(bytes));
    // Without this the process would swap instead of being stopped at its limit.
    tryWrite(dir, 'memory.swap.max', '0');
  } else {
    write(dir, 'memory.limit_in_bytes', String(bytes));
    tryWrite(dir, 'memory.memsw.limit_in_bytes', String(bytes));
    tryWrite(dir, 'memory.swappiness', '0');
  }
  return dir;
}

function makeCpu(root: ControllerRoot, name: string, cpus: number): string {
  ensureSubtree(root, 'cpu');
  const dir = path.join(root.dir, name);
  fs.mkdirSync(dir);
  const quota = Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
  if (root.version === 2) {
    write(dir, 'cpu.max', `${quota} ${CPU_PERIOD_US}`);
  } else {
    write(dir, 'cpu.cfs_period_us', String(CPU_PERIOD_US));
    write(dir, 'cpu.cfs_quota_us', String(quota));
  }
  return dir;
}

function oomKills(dir: string, version: 1 | 2): number {
  try {
    const text = fs.readFileSync(path.join(dir, version === 2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Makes the cgroups of one replica process named `name` for the limits that are set and
 * supported; null when there is nothing to enforce. Throws when making them fails (a bad limit).
 */
export function createReplicaCgroup(support: CgroupSupport, name: string, limits: ReplicaLimits): ReplicaCgroup | null {
  const dirs: Array<{ dir: string; version: 1 | 2; memory: boolean }> = [];
  try {
    if (limits.memoryBytes !== null && support.memory !== null) {
      dirs.push({ dir: makeMemory(support.memory, name, limits.memoryBytes), version: support.memory.version, memory: true });
    }
    if (limits.cpus !== null && support.cpu !== null) {
      // On v2 one cgroup carries both controllers; on v1 cpu is its own hierarchy.
      const shared = support.cpu.version === 2 && dirs.some((d) => d.dir === path.join(support.cpu!.dir, name));
      if (shared) ensureSubtree(support.cpu, 'cpu');
      if (shared) write(path.join(support.cpu.dir, name), 'cpu.max', `${Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US))} ${CPU_PERIOD_US}`);
      else dirs.push({ dir: makeCpu(support.cpu, name, limits.cpus), version: support.cpu.version, memory: false });
    }
  } catch (error) {
    for (const { dir } of dirs) fs.rmdirSync(dir);
    throw error;
  }
  if (dirs.length === 0) return null;
  return {
    attach(pid) {
      // A process forked before its parent moved stays where it was (cgroup v1 and v2 alike), and
      // a launcher (bubblewrap) forks the model's process early: move the whole tree.
      let ok = true;
      for (const member of [pid, ...descendantsOf(pid)]) {
        for (const { dir } of dirs) {
          try {
            write(dir, 'cgroup.procs', String(member));
          } catch {
            if (member === pid) ok = false;
          }
        }
      }
      return ok;
    },
    oomKilled() {
      return dirs.some(({ dir, version, memory }) => memory && oomKills(dir, version) > 0);
    },
    remove() {
      for (const { dir } of dirs) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // A straggler (a model's own subprocess) still in it, or gone already.
        }
      }
    },
  };
}

/** Every process below `pid`, from /proc (empty where there is none). */
export function descendantsOf(pid: number, procRoot = '/proc'): number[] {
  return descendantsIn(childrenMap(procRoot), pid);
}

/** Each process's children, from every process's parent in /proc (empty where /proc is absent). */
export function childrenMap(procRoot = '/proc'): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** Every process below `pid` in a `childrenMap`. */
export function descendantsIn(children: Map<number, number[]>, pid: number): number[] {
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}
