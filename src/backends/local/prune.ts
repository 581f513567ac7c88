// `slipway prune`: the local backend keeps every build folder (so a revert redeploys without a
// build) and every dependency virtualenv those builds run with; on a busy repository, `up --watch`
// makes a build per saved change. Pruning removes the folders of old builds and the virtualenvs no
// remaining build uses. It never touches a build a deployment runs (running or stopped), the
// newest `keep` builds of each model, or anything made in the last minutes (a build being tested,
// a virtualenv a build in progress just reused). A pruned build stays in the history with status
// `pruned`; a later plan that wants its key builds it again under a new number.
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readBuildInfo } from '../../build/build-info.ts';
import { CONTENT_FOLDERS } from '../../build/content-store.ts';
import { withLock } from '../../build/deps-lock.ts';
import { depsFolderPaths } from '../../build/deps-folder.ts';
import { snapshotPaths } from '../../build/snapshot-builder.ts';
import type { Store } from '../../store/database.ts';
import { listBuilds, markPruned } from '../../store/builds.ts';
import { listDeployments } from '../../store/deployments.ts';
import { listModels } from '../../store/models.ts';

export type PruneOptions = {
  /** Succeeded builds kept per model besides the deployed ones, newest first; at least 1. */
  keep: number;
  /** Report what would go without removing anything. */
  dryRun: boolean;
  /** Nothing finished or used more recently than this is removed. Default 10 minutes. */
  minAgeMs?: number;
  now?: Date;
};

export type PruneReport = {
  dryRun: boolean;
  builds: Array<{ model: string; number: number; bytes: number }>;
  deps: Array<{ hash: string; bytes: number }>;
  /** Files of the content store (`.slipway/content/`) no build links to any more. */
  content?: { files: number; bytes: number };
  /** Bytes removed (or that would be, in a dry run). */
  bytes: number;
};

export const DEFAULT_KEEP = 5;
export const DEFAULT_MIN_AGE_MS = 10 * 60 * 1000;

/** Deployment statuses whose build must stay: what runs, or is being put in place. */
const PINNING = new Set(['deploying', 'active']);

/** Prunes builds and dependency folders under `stateDir` as recorded in `store`. */
export async function pruneLocal(store: Store, stateDir: string, opts: PruneOptions): Promise<PruneReport> {
  if (!Number.isSafeInteger(opts.keep) || opts.keep < 1) throw new Error(`--keep must be a whole number of builds, 1 or more; got ${opts.keep}`);
  const cutoff = (opts.now ?? new Date()).getTime() - (opts.minAgeMs ?? DEFAULT_MIN_AGE_MS);
  const report: PruneReport = { dryRun: opts.dryRun, builds: [], deps: [], bytes: 0 };

  for (const { name } of listModels(store)) {
    const pinned = new Set(listDeployments(store, name).filter((d) => PINNING.has(d.status)).map((d) => d.buildNumber));
    const succeeded = listBuilds(store, name).filter((b) => b.status === 'succeeded'); // by number
    const newest = new Set(succeeded.slice(-opts.keep).map((b) => b.number));
    for (const build of succeeded) {
      if (pinned.has(build.number) || newest.has(build.number)) continue;
      if (build.finishedAt === null || Date.parse(build.finishedAt) > cutoff) continue;
      // Only a folder the snapshot builder made there; an artifact elsewhere (an image) is not ours.
      const { folder } = snapshotPaths(stateDir, name, build.number);
      if (build.artifact !== folder) continue;
      const bytes = await folderBytes(folder);
      if (!opts.dryRun) {
        // Recorded first: should removal stop half way, no plan reuses the build.
        markPruned(store, name, build.number);
        await rm(folder, { recursive: true, force: true });
      }
      report.builds.push({ model: name, number: build.number, bytes });
      report.bytes += bytes;
    }
  }

  const pruned = new Set(report.builds.map((b) => snapshotPaths(stateDir, b.model, b.number).folder));
  const used = await depsInUse(stateDir, pruned);
  for (const hash of await subfolders(join(stateDir, 'deps'))) {
    if (used.has(hash)) continue;
    const paths = depsFolderPaths(stateDir, hash);
    // Under the folder's install lock: a build reusing it touches its marker under the same lock.
    const removed = await withLock(`${paths.folder}.lock`, () => {}, async () => {
      if ((await lastUsed(paths.marker, paths.folder)) > cutoff) return null;
      const bytes = await folderBytes(paths.folder);
      if (!opts.dryRun) await rm(paths.folder, { recursive: true, force: true });
      return bytes;
    });
    if (removed === null) continue;
    report.deps.push({ hash, bytes: removed });
    report.bytes += removed;
  }
  // A dry run leaves the pruned builds' links in place: count them as if they were gone.
  const leaving = opts.dryRun ? await linksIn([...pruned]) : new Map<number, number>();
  report.content = await pruneContent(stateDir, cutoff, opts.dryRun, leaving);
  report.bytes += report.content.bytes;
  return report;
}

/** How many hard links to each inode the files under `folders` hold. */
async function linksIn(folders: string[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const stats = await lstat(full);
        counts.set(stats.ino, (counts.get(stats.ino) ?? 0) + 1);
      }
    }
  };
  for (const folder of folders) await walk(folder);
  return counts;
}

/**
 * Removes content-store files that no build links to (a link count of 1: only the store's own
 * name). Prune runs between applies, so no build is between adopting a file and linking it.
 */
async function pruneContent(stateDir: string, cutoff: number, dryRun: boolean, leaving: Map<number, number>): Promise<{ files: number; bytes: number }> {
  const result = { files: 0, bytes: 0 };
  for (const folder of Object.values(CONTENT_FOLDERS)) {
    const one = await pruneContentFolder(join(stateDir, folder), cutoff, dryRun, leaving);
    result.files += one.files;
    result.bytes += one.bytes;
  }
  return result;
}

async function pruneContentFolder(dir: string, cutoff: number, dryRun: boolean, leaving: Map<number, number>): Promise<{ files: number; bytes: number }> {
  const result = { files: 0, bytes: 0 };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return result;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const stats = await lstat(join(dir, name)).catch(() => null);
    if (stats === null || !stats.isFile() || stats.nlink - (leaving.get(stats.ino) ?? 0) > 1 || stats.mtimeMs > cutoff) continue;
    if (!dryRun) await rm(join(dir, name), { force: true });
    result.files++;
    result.bytes += stats.size;
  }
  return result;
}

/** Dependency hashes named by the `build.json` of every build folder left (finished or in progress). */
async function depsInUse(stateDir: string, pruned: Set<string>): Promise<Set<string>> {
  const used = new Set<string>();
  const builds = join(stateDir, 'builds');
  for (const model of await subfolders(builds)) {
    for (const entry of await subfolders(join(builds, model))) {
      const folder = join(builds, model, entry);
      if (pruned.has(folder)) continue;
      const info = await readBuildInfo(folder);
      if (info.ok && info.info.deps !== null) used.add(info.info.deps);
    }
  }
  return used;
}

async function subfolders(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** When a deps folder was last installed or reused: its marker's mtime, else the folder's. */
async function lastUsed(marker: string, folder: string): Promise<number> {
  for (const path of [marker, folder]) {
    try {
      return (await stat(path)).mtimeMs;
    } catch {
      // Try the next.
    }
  }
  return Number.POSITIVE_INFINITY; // gone already: nothing to remove
}

/** Bytes of the regular files under `path` (links not followed). */
async function folderBytes(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    try {
      total += (await stat(join(entry.parentPath, entry.name))).size;
    } catch {
      // Removed meanwhile.
    }
  }
  return total;
}
