// A build is a snapshot of the repository: a symbolic link that leads out of it would let a build
// read files that no commit holds (a home folder, /etc), so such links are refused.
import { readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel);
}

/**
 * Where the symlink at `path` (relative to `root`, which must be a realpath) leads when that is
 * outside `root`, following chains of links; null when it stays inside. A dangling link is judged
 * by its target text.
 */
export async function symlinkEscape(root: string, path: string): Promise<string | null> {
  const link = join(root, path);
  const text = await readlink(link);
  let target: string;
  try {
    target = await realpath(link);
  } catch {
    target = resolve(dirname(link), text);
  }
  return isInside(root, target) ? null : text;
}
