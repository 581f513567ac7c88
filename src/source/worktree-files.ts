// Every file of the working tree that could go into a build, with its git blob id, from a fixed
// number of git processes however large the repository is: the index gives blob ids of tracked
// files as they were staged; files that differ from the index (modified, conflicted) and untracked
// files that `.gitignore` does not exclude are hashed by git itself in one `hash-object` call.
import { createHash } from 'node:crypto';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { comparePaths } from './key-of.ts';
import type { Repo } from './repo.ts';
import type { ManifestEntry } from './types.ts';

/** A file of the working tree; `symlink` marks links, whose blob is the link's target text. */
export type WorktreeFile = ManifestEntry & { symlink: boolean };

const SYMLINK_MODE = '120000';
const GITLINK_MODE = '160000';
/** Slipway's own state folder; never part of a build even when `.gitignore` forgets it. */
const STATE_FOLDER = '.slipway/';

/** Splits git's `-z` output into its NUL-terminated records. */
function records(output: string): string[] {
  const parts = output.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

type Staged = { mode: string; blob: string; stage: string };

/** Parses `git ls-files -s -z`: `<mode> <blob> <stage>\t<path>` per record. */
function parseStaged(output: string): Map<string, Staged> {
  const staged = new Map<string, Staged>();
  for (const record of records(output)) {
    const tab = record.indexOf('\t');
    const [mode = '', blob = '', stage = ''] = record.slice(0, tab).split(' ');
    staged.set(record.slice(tab + 1), { mode, blob, stage });
  }
  return staged;
}

/** Parses `git diff-files -z --name-status`: status and path alternate. */
function parseChanged(output: string): { deleted: Set<string>; changed: Set<string> } {
  const parts = records(output);
  const deleted = new Set<string>();
  const changed = new Set<string>();
  for (let index = 0; index + 1 < parts.length; index += 2) {
    (parts[index] === 'D' ? deleted : changed).add(parts[index + 1]!);
  }
  return { deleted, changed };
}

/** Quotes a path for `--stdin-paths`, which reads lines and unquotes C-style `"…"` lines. */
function stdinPath(path: string): string {
  if (!/[\x00-\x1f"\\\x7f]/.test(path)) return path;
  const escaped = path.replace(/[\x00-\x1f"\\\x7f]/g, (char) => {
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
    return named[char] ?? `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}

/** Blob ids of `paths` (regular files, root-relative) as `git add` would store them, one git call. */
async function hashFiles(repo: Repo, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const input = paths.map((path) => `${stdinPath(path)}\n`).join('');
  const git = simpleGit({ baseDir: repo.root, input: () => input });
  const ids = (await git.raw(['hash-object', '--stdin-paths'])).split('\n').filter(Boolean);
  if (ids.length !== paths.length) {
    throw new Error(`git hash-object returned ${ids.length} ids for ${paths.length} files`);
  }
  return ids;
}

/**
 * Blob ids of symbolic links: git stores a link as a blob of its target text, while
 * `hash-object` would follow the link and hash the file it points to.
 */
async function hashLinks(repo: Repo, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const format = (await repo.git.raw(['rev-parse', '--show-object-format'])).trim() || 'sha1';
  return Promise.all(
    paths.map(async (path) => {
      const target = await readlink(join(repo.root, path), { encoding: 'buffer' });
      const hash = createHash(format === 'sha256' ? 'sha256' : 'sha1');
      return hash.update(`blob ${target.length}\0`).update(target).digest('hex');
    }),
  );
}

/** What a path that differs from the index is now: gone, a link, a file, or something else. */
async function kindOf(root: string, path: string): Promise<'file' | 'symlink' | 'other'> {
  try {
    const stats = await lstat(join(root, path));
    return stats.isSymbolicLink() ? 'symlink' : stats.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

/**
 * Lists every file a build may contain: tracked files not deleted from the working tree, and
 * untracked files that git does not ignore; never Slipway's `.slipway/` state or submodules.
 * @returns the files sorted by path with `comparePaths`.
 */
export async function listWorktreeFiles(repo: Repo): Promise<WorktreeFile[]> {
  const [stagedOut, changedOut, untrackedOut] = await Promise.all([
    repo.git.raw(['ls-files', '--stage', '-z']),
    repo.git.raw(['diff-files', '-z', '--name-status']),
    repo.git.raw(['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const staged = parseStaged(stagedOut);
  const { deleted, changed } = parseChanged(changedOut);
  const counts = (path: string) => !path.startsWith(STATE_FOLDER) && !path.endsWith('/');

  const files: WorktreeFile[] = [];
  const toHash = new Set<string>();
  for (const [path, entry] of staged) {
    if (!counts(path) || entry.mode === GITLINK_MODE || deleted.has(path)) continue;
    if (entry.stage !== '0' || changed.has(path)) toHash.add(path);
    else files.push({ path, blob: entry.blob, symlink: entry.mode === SYMLINK_MODE });
  }
  for (const path of records(untrackedOut)) if (counts(path)) toHash.add(path);

  const kinds = await Promise.all([...toHash].map(async (path) => [path, await kindOf(repo.root, path)] as const));
  const regular = kinds.filter(([, kind]) => kind === 'file').map(([path]) => path);
  const links = kinds.filter(([, kind]) => kind === 'symlink').map(([path]) => path);
  const [regularIds, linkIds] = await Promise.all([hashFiles(repo, regular), hashLinks(repo, links)]);
  regular.forEach((path, index) => files.push({ path, blob: regularIds[index]!, symlink: false }));
  links.forEach((path, index) => files.push({ path, blob: linkIds[index]!, symlink: true }));
  return files.sort((a, b) => comparePaths(a.path, b.path));
}
