// Where this process may put replicas in cgroups, found once per daemon: cgroup v2 (a delegated,
// writable subtree with the memory / cpu controllers) or cgroup v1's memory and cpu hierarchies
// (writable as root). Each replica gets a child cgroup of the daemon's own, so limits nest inside
// whatever limits the daemon itself runs under. Where neither works, limits are advisory, and
// `reason` says why, for plan, apply and status to say once.
import fs from 'node:fs';
import path from 'node:path';

/** One controller's place: the folder under which replica cgroups are made, and its version. */
export type ControllerRoot = { version: 1 | 2; dir: string };

export type CgroupSupport = {
  memory: ControllerRoot | null;
  cpu: ControllerRoot | null;
  /** Why a limit cannot be enforced (null when both can). */
  reason: string | null;
};

export type CgroupProbeOptions = {
  /** `/proc/self/cgroup`'s text. */
  selfCgroup?: string;
  /** Where cgroup hierarchies are mounted; default `/sys/fs/cgroup`. */
  mountRoot?: string;
  /** The name of the subtree this daemon makes its replicas' cgroups in. */
  subtree?: string;
  /** Only look: say whether limits could be enforced without making any cgroup (for the CLI). */
  dryRun?: boolean;
};

/** Parses `/proc/self/cgroup`: controller → path (`''` is the v2 unified hierarchy). */
function ownPaths(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    for (const controller of (match[1] as string).split(',')) paths.set(controller, match[2] as string);
  }
  return paths;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the daemon's subtree `dir` can be made. It is made only when a replica with limits
 * starts (`ensureSubtree`), so daemons that enforce nothing leave nothing behind; subtrees of
 * daemons that died without removing theirs are removed here.
 */
function prepare(dir: string, dryRun: boolean): boolean {
  const parent = path.dirname(dir);
  if (!writable(parent)) return false;
  if (!dryRun) removeStale(parent);
  return true;
}

/** Removes `slipway-<pid>` subtrees (and their empty replica cgroups) of processes that are gone. */
function removeStale(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^slipway-(\d+)$/.exec(name)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    const dir = path.join(parent, name);
    try {
      for (const child of fs.readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) fs.rmdirSync(path.join(dir, child.name));
      fs.rmdirSync(dir);
    } catch {
      // A process is still in one of its cgroups: it goes with that process's daemon next time.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes the daemon's subtree for `root` if it is not there yet (v2: handing the controller down). */
export function ensureSubtree(root: ControllerRoot, controller: 'memory' | 'cpu'): void {
  fs.mkdirSync(root.dir, { recursive: true });
  // On v2 one subtree carries both controllers; enabling one already enabled is a no-op.
  if (root.version === 2) fs.writeFileSync(path.join(root.dir, 'cgroup.subtree_control'), `+${controller}`);
}

function v1Root(mountRoot: string, own: Map<string, string>, controller: 'memory' | 'cpu', subtree: string, dryRun: boolean): ControllerRoot | null {
  const ownPath = own.get(controller);
  if (ownPath === undefined) return null;
  for (const mount of [controller, controller === 'cpu' ? 'cpu,cpuacct' : 'memory']) {
    const base = path.join(mountRoot, mount);
    const probe = controller === 'memory' ? 'memory.limit_in_bytes' : 'cpu.cfs_quota_us';
    if (!fs.existsSync(path.join(base, probe))) continue;
    const dir = path.join(base, ownPath, subtree);
    if (prepare(dir, dryRun)) return { version: 1, dir };
  }
  return null;
}

/**
 * A v2 subtree: the daemon's own cgroup must already hand the controller down
 * (`cgroup.subtree_control`), as a delegated systemd scope or a container's cgroup does; enabling
 * it here would fail while the daemon itself sits in that cgroup (v2's no-internal-process rule).
 */
function v2Root(mountRoot: string, own: Map<string, string>, controller: 'memory' | 'cpu', subtree: string, dryRun: boolean): ControllerRoot | null {
  const ownPath = own.get('');
  if (ownPath === undefined) return null;
  for (const base of [mountRoot, path.join(mountRoot, 'unified')]) {
    const mine = path.join(base, ownPath);
    const control = path.join(mine, 'cgroup.subtree_control');
    let delegated = '';
    try {
      delegated = fs.readFileSync(control, 'utf8');
    } catch {
      continue;
    }
    if (!delegated.split(/\s+/).includes(controller)) continue;
    const dir = path.join(mine, subtree);
    if (!prepare(dir, dryRun)) continue;
    return { version: 2, dir };
  }
  return null;
}

/** Finds where replica cgroups can be made for memory and cpu limits. */
export function probeCgroups(options: CgroupProbeOptions = {}): CgroupSupport {
  const mountRoot = options.mountRoot ?? '/sys/fs/cgroup';
  const subtree = options.subtree ?? `slipway-${process.pid}`;
  let own: Map<string, string>;
  try {
    own = ownPaths(options.selfCgroup ?? fs.readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    return { memory: null, cpu: null, reason: 'this system has no cgroups (no /proc/self/cgroup)' };
  }
  const dryRun = options.dryRun ?? false;
  const memory = v2Root(mountRoot, own, 'memory', subtree, dryRun) ?? v1Root(mountRoot, own, 'memory', subtree, dryRun);
  const cpu = v2Root(mountRoot, own, 'cpu', subtree, dryRun) ?? v1Root(mountRoot, own, 'cpu', subtree, dryRun);
  const missing = [memory === null ? 'memory' : null, cpu === null ? 'cpu' : null].filter((name) => name !== null);
  const reason =
    missing.length === 0
      ? null
      : `${missing.join(' and ')} limits are advisory on this machine: no writable cgroup v2 subtree with the ${missing.join(' / ')} controller is delegated to Slipway, and cgroup v1's needs root (run the daemon in a delegated scope, e.g. \`systemd-run --user --scope -p Delegate=yes slipway up\`, or as root)`;
  return { memory, cpu, reason };
}

/** Removes the daemon's subtree (its replica cgroups must be gone). */
export function removeSubtree(support: CgroupSupport): void {
  for (const root of [support.memory, support.cpu]) {
    if (root === null) continue;
    try {
      fs.rmdirSync(root.dir);
    } catch {
      // Still in use by a replica that has not exited yet, or removed already.
    }
  }
}
