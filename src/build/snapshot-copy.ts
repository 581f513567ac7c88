// Copies a build's files from the working tree into the build folder, checking each against the
// blob id its build key was computed from. A build never reads outside the repository: paths that
// pass through a symlinked folder, and symlinks that lead out of the repository, are refused.
//
// Symbolic links are recreated, not followed: git stores a link as a blob of its target text, so
// the key covers the text, not what it points to. A link is kept only when, in the build folder,
// it points at the same place as in the repository (both ends inside the build); anything else
// would make the build depend on files its key does not cover.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, symlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, posix, relative, isAbsolute } from 'node:path';
import { gitBlobId } from './git-blob.ts';
import { targetOf, type PlacedFile } from './snapshot-layout.ts';

export type CopyResult = { ok: true } | { ok: false; message: string };

const CHUNK = 1 << 20;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/** Copies a regular file in chunks, returning the blob id of the bytes copied. */
async function copyRegular(source: string, destination: string): Promise<string | null> {
  const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stat = await input.stat();
    const mode = (stat.mode & 0o111) !== 0 ? 0o755 : 0o644;
    const output = await open(destination, 'wx', mode);
    try {
      const hash = createHash('sha1').update(`blob ${stat.size}\0`);
      const buffer = Buffer.allocUnsafe(CHUNK);
      let total = 0;
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        hash.update(buffer.subarray(0, bytesRead));
        await output.write(buffer, 0, bytesRead);
      }
      // A file that grew or shrank while being read hashes to something no key holds.
      return total === stat.size ? hash.digest('hex') : null;
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

async function copyLink(root: string, context: string, file: PlacedFile, destination: string): Promise<CopyResult> {
  const source = join(root, file.path);
  // Git hashes a link's target bytes as they are; decode only to judge where it points.
  const bytes = await readlink(source, { encoding: 'buffer' });
  const text = bytes.toString('utf8');
  const blob = gitBlobId(bytes);
  if (blob !== file.blob) return { ok: false, message: changedMessage(file, blob) };
  if (isAbsolute(text)) {
    return { ok: false, message: `symlink ${file.path} points to the absolute path ${text}; builds take only relative links inside the repository` };
  }
  let real: string;
  try {
    real = await realpath(source);
  } catch {
    real = join(dirname(source), text);
  }
  if (!inside(root, real)) {
    return { ok: false, message: `symlink ${file.path} leads out of the repository (${text}); replace it with the file itself` };
  }
  const repoTarget = posix.normalize(posix.join(posix.dirname(file.path), text));
  const buildTarget = posix.normalize(posix.join(posix.dirname(file.target), text));
  if (repoTarget.startsWith('../') || buildTarget.startsWith('../') || buildTarget === '..' || targetOf(repoTarget, context) !== buildTarget) {
    return {
      ok: false,
      message: `symlink ${file.path} -> ${text} would point elsewhere in the build folder than in the repository; make the link relative within the build context, or replace it with the file`,
    };
  }
  await symlink(bytes, destination);
  return { ok: true };
}

function changedMessage(file: PlacedFile, blob: string): string {
  return `${file.path} changed after planning (working tree blob ${blob.slice(0, 12)}, planned ${file.blob.slice(0, 12)}); plan and apply again`;
}

/**
 * Copies `files` from the repository at `root` (a realpath) into `folder`, each to its target,
 * verifying blob ids. `context` is the model's normalized build context, to judge symlinks.
 */
export async function copyVerified(root: string, context: string, files: PlacedFile[], folder: string): Promise<CopyResult> {
  for (const file of files) {
    const source = join(root, file.path);
    const parent = dirname(source);
    let realParent: string;
    try {
      realParent = await realpath(parent);
    } catch {
      return { ok: false, message: `${file.path} was planned but its folder is gone from the working tree; plan and apply again` };
    }
    if (realParent !== parent) {
      return { ok: false, message: `${file.path} lies under a symlinked folder (${relative(root, realParent) || realParent}); builds take files only from real folders of the repository` };
    }
    let stat;
    try {
      stat = await lstat(source);
    } catch {
      return { ok: false, message: `${file.path} was planned but is missing from the working tree; plan and apply again` };
    }
    const destination = join(folder, file.target);
    await mkdir(dirname(destination), { recursive: true });
    if (stat.isSymbolicLink()) {
      const linked = await copyLink(root, context, file, destination);
      if (!linked.ok) return linked;
    } else if (stat.isFile()) {
      const blob = await copyRegular(source, destination);
      if (blob === null) return { ok: false, message: `${file.path} changed while it was being copied; apply again` };
      if (blob !== file.blob) return { ok: false, message: changedMessage(file, blob) };
    } else {
      return { ok: false, message: `${file.path} is neither a file nor a symlink; builds take only files` };
    }
  }
  return { ok: true };
}
