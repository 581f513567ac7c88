// Content shared by every build: `.slipway/content/<id>` holds one read-only file per distinct
// (blob, mode, checkout attributes), and builds hard-link to it, so a second build of the same
// content (a rename, two models with one key, a build that changed one file of 20,000) writes only
// what is new. Store files are read-only so that a process writing through a build's link fails
// instead of changing every build that shares it; replicas also see builds mounted read-only.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type ContentStore = {
  /** The folder holding the content files. */
  dir: string;
  /** Who may read the files: see ContentReaders. */
  readers: ContentReaders;
};

/**
 * Who may read a store's files. `owner`: local builds, which stay private like everything under
 * `.slipway/` (0400, 0500 executable). `image`: image build contexts, whose files keep the read
 * bits of group and others (0444, 0555), because buildah's COPY keeps modes and an image runs as
 * an unprivileged user. Two folders, so no inode is shared between the two.
 */
export type ContentReaders = 'owner' | 'image';

/** The folder of each store under the state folder (`slipway prune` cleans both). */
export const CONTENT_FOLDERS: Record<ContentReaders, string> = { owner: 'content', image: 'content-image' };

/** The store under `stateDir` for `readers`, created on first use. */
export async function openContentStore(stateDir: string, readers: ContentReaders = 'owner'): Promise<ContentStore> {
  const dir = join(stateDir, CONTENT_FOLDERS[readers]);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return { dir, readers };
}

/** The store's name for a file: blob id, mode, and a digest of what else shapes its checkout bytes. */
export function contentId(blob: string, executable: boolean, checkout: string): string {
  const shape = createHash('sha256').update(checkout).digest('hex').slice(0, 16);
  return `${blob}-${executable ? 'x' : 'r'}-${shape}`;
}

/** Every id the store holds: one directory read, instead of a stat per file of a build. */
export async function listContent(store: ContentStore): Promise<Set<string>> {
  return new Set((await readdir(store.dir)).filter((name) => !name.startsWith('.')));
}

// Adopting and placing are synchronous on purpose: one system call each, for tens of thousands of
// files, costs several times more through the thread pool than directly. Callers run them in
// slices and yield between slices (see snapshot-checkout), so the daemon's event loop keeps going.

/**
 * The file mode creation mask that makes a new file exactly as the store keeps it: git checks
 * content out with it, so no file needs a chmod (0666 / 0777 less the mask: 0400 / 0500 for
 * `owner`, 0444 / 0555 for `image`). Folders must exist beforehand: with it, git would make them
 * read-only.
 */
export function storeUmask(store: ContentStore): number {
  return store.readers === 'image' ? 0o222 : 0o277;
}

/** Gives `file` the mode the store keeps content with (for files not made under `storeUmask`). */
export function setStoreMode(store: ContentStore, file: string, executable: boolean): void {
  const all = store.readers === 'image';
  chmodSync(file, executable ? (all ? 0o555 : 0o500) : all ? 0o444 : 0o400);
}

/**
 * Links `file`, with the store's mode (`storeUmask`, `setStoreMode`) on the store's file system, into the store as `id`; the
 * file itself stays where it is (it is a build's file, now sharing the store's inode). Another
 * build may have stored the same content meanwhile: its file has identical bytes, so that one is kept.
 */
export function adoptLinked(store: ContentStore, id: string, file: string): void {
  try {
    linkSync(file, join(store.dir, id));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Places content `id` at `destination`: a hard link, or a copy (writable, with the mode) where the
 * file system refuses links (another device, a link count limit).
 * @returns whether it was linked.
 */
export function placeContent(store: ContentStore, id: string, destination: string, executable: boolean): boolean {
  const source = join(store.dir, id);
  try {
    linkSync(source, destination);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
  }
  copyFileSync(source, destination);
  const all = store.readers === 'image';
  chmodSync(destination, executable ? (all ? 0o755 : 0o700) : all ? 0o644 : 0o600);
  return false;
}
