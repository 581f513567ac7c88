// `.slipway/` holds what only the daemon's user may read: the store (secret digests, key hashes),
// the digest key, logs that may quote a model's data, the admin token, replica sockets. The folder
// is 0700 and nothing in it is readable or writable by group or others: the daemon runs with a
// 0077 umask, so everything it creates is private from the start, and at start it takes group and
// other bits off whatever an older Slipway (or a CLI command) left behind.
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../backends/local/observe.ts';

/** The daemon's umask: files 0600 (0700 when executable), folders 0700. */
export const PRIVATE_UMASK = 0o077;

/** Creates `<root>/.slipway` (0700) if needed and makes sure it is 0700. */
export function ensurePrivateStateDir(root: string): string {
  const dir = stateDir(root);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * Takes group and other permission bits off every file and folder under `dir` (symlinks are left
 * alone: their own mode means nothing). Returns how many entries it changed.
 */
export function tightenModes(dir: string): number {
  let changed = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile, or not a folder
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      try {
        const mode = fs.lstatSync(full).mode & 0o7777;
        if ((mode & 0o077) !== 0) {
          fs.chmodSync(full, mode & ~0o077);
          changed++;
        }
      } catch {
        // Removed meanwhile: nothing to protect.
      }
    }
  }
  return changed;
}

/** Makes the daemon's state private: the umask for what it creates, and the modes of what exists. */
export function privatizeState(root: string): void {
  process.umask(PRIVATE_UMASK);
  tightenModes(ensurePrivateStateDir(root));
}
