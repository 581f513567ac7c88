// Blob ids of untracked and modified files, remembered between plans by their stat data, so a
// plan re-hashes only what changed (as git's index does for tracked files). The cache is a file of
// the repository's git folder (`.git/slipway/blob-ids.json`: per worktree, never committed, never
// part of a key), and is trusted only when nothing that changes clean-side ids (attributes, eol
// settings) changed since it was written.
import type { Stats } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

type Entry = [size: number, mtimeMs: number, ctimeMs: number, ino: number, blob: string];
type Stored = { signature: string; writtenAt: number; entries: Record<string, Entry> };

/** A file git would not trust either: modified within this margin of the cache being written. */
const RACY_MS = 2000;

export type HashCache = {
  /** The cached blob id of `path` when `stats` match what was cached, else undefined. */
  lookup(path: string, stats: Stats): string | undefined;
  remember(path: string, stats: Stats, blob: string): void;
  /** Writes the cache (only the files seen in this plan), atomically. */
  save(): Promise<void>;
};

/** Where the cache of the repository whose git folder is `gitDir` lives. */
export function hashCachePath(gitDir: string): string {
  return join(gitDir, 'slipway', 'blob-ids.json');
}

/** Opens the cache in `gitDir` (absolute); `signature` names what clean filters depend on. */
export async function openHashCache(gitDir: string, signature: string): Promise<HashCache> {
  const file = hashCachePath(gitDir);
  let stored: Stored = { signature, writtenAt: 0, entries: {} };
  try {
    const read = JSON.parse(await readFile(file, 'utf8')) as Stored;
    if (read.signature === signature && typeof read.writtenAt === 'number' && read.entries) stored = read;
  } catch {
    // No cache yet, or unreadable: hash everything.
  }
  const next: Record<string, Entry> = {};
  return {
    lookup(path, stats) {
      const entry = stored.entries[path];
      if (entry === undefined) return undefined;
      const [size, mtimeMs, ctimeMs, ino, blob] = entry;
      const same = size === stats.size && mtimeMs === stats.mtimeMs && ctimeMs === stats.ctimeMs && ino === stats.ino;
      return same && stats.mtimeMs < stored.writtenAt - RACY_MS ? blob : undefined;
    },
    remember(path, stats, blob) {
      next[path] = [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino, blob];
    },
    async save() {
      try {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        const partial = `${file}.${process.pid}`;
        await writeFile(partial, JSON.stringify({ signature, writtenAt: Date.now(), entries: next }), { mode: 0o600 });
        await rename(partial, file);
      } catch {
        // A cache that cannot be written costs only time on the next plan.
      }
    },
  };
}
