// Every file of the working tree that could go into a build, with its git blob id and mode, from a
// fixed number of git processes however large the repository is: the index gives blob ids of
// tracked files as they were staged; files that differ from the index (modified, conflicted) and
// untracked files that `.gitignore` does not exclude are hashed by git itself (`hash-object`, which
// runs the clean filters: eol conversion, Git LFS), so every id is the clean side, as `git add`
// would store it. Only files inside `scope` are hashed: a large file no model uses costs nothing.
// Initialised submodules inside the scope are listed the same way, recursively, under their path.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { access, lstat, readlink } from 'node:fs/promises';
import { openHashCache, type HashCache } from './hash-cache.ts';
import { join } from 'node:path';
import { byteRecords, gitBytes, gitQuoted, stdinPath, utf8Path } from './git-bytes.ts';
import { comparePaths } from './key-of.ts';
import type { Repo } from './repo.ts';
import type { ManifestEntry } from './types.ts';

/** A file of the working tree, or a submodule (its blob is the commit checked out in it). */
export type WorktreeFile = ManifestEntry & {
  /** Git's mode: 100644, 100755, 120000 (symlink) or 160000 (submodule). */
  mode: string;
  /** A symbolic link, whose blob is the link's target text. */
  symlink: boolean;
  /** Set when the name is not UTF-8: the name the way git quotes it. `path` is then unusable. */
  badName?: string;
  /** A tracked file that the sparse checkout keeps out of the working tree. */
  sparse?: boolean;
  /** A submodule that is registered but not checked out. */
  uninitialized?: boolean;
  /** The submodule (its path) whose repository holds this file; absent for the repository's own. */
  module?: string;
  /** Hashed from the working tree: git's object database may not hold the blob. */
  hashed?: boolean;
};

export const SYMLINK_MODE = '120000';
export const GITLINK_MODE = '160000';
export const EXECUTABLE_MODE = '100755';
export const REGULAR_MODE = '100644';
/** Slipway's own state folder; never part of a build even when `.gitignore` forgets it. */
const STATE_SEGMENT = '.slipway';

/** Whether `path` is inside one of the `scope` paths (a Set of normalized repository paths). */
function inScope(scope: ReadonlySet<string> | null, path: string): boolean {
  if (scope === null || scope.has('')) return true;
  let index = path.indexOf('/');
  while (index !== -1) {
    if (scope.has(path.slice(0, index))) return true;
    index = path.indexOf('/', index + 1);
  }
  return scope.has(path);
}

/** Whether a submodule at `path` may hold files of the scope (it lies in it, or the scope in it). */
function touchesScope(scope: ReadonlySet<string> | null, path: string): boolean {
  if (inScope(scope, path)) return true;
  for (const entry of scope ?? []) if (entry.startsWith(`${path}/`)) return true;
  return false;
}

type Named = { path: string; badName?: string };

function nameOf(bytes: Buffer): Named {
  const text = utf8Path(bytes);
  return text === null ? { path: bytes.toString('utf8'), badName: gitQuoted(bytes) } : { path: text };
}

type Staged = Named & { mode: string; blob: string; stage: string; sparse: boolean };

/** Parses `git ls-files -s -t -z`: `<tag> <mode> <blob> <stage>\t<path>` per record. */
function parseStaged(output: Buffer): Staged[] {
  return byteRecords(output).map((record) => {
    const tab = record.indexOf(0x09);
    const [tag = '', mode = '', blob = '', stage = ''] = record.subarray(0, tab).toString('latin1').split(' ');
    return { ...nameOf(record.subarray(tab + 1)), mode, blob, stage, sparse: tag === 'S' };
  });
}

/** Parses `git diff-files -z --name-status`: status and path alternate. */
function parseChanged(output: Buffer): { deleted: Set<string>; changed: Set<string> } {
  const parts = byteRecords(output);
  const deleted = new Set<string>();
  const changed = new Set<string>();
  for (let index = 0; index + 1 < parts.length; index += 2) {
    (parts[index]!.toString('latin1') === 'D' ? deleted : changed).add(nameOf(parts[index + 1]!).path);
  }
  return { deleted, changed };
}

/** Blob ids of `paths` (regular files, root-relative) as `git add` would store them, one git call. */
async function hashFiles(root: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const ids = (await gitBytes(root, ['hash-object', '--stdin-paths'], { input: paths.map((p) => `${stdinPath(p)}\n`).join('') }))
    .toString('latin1')
    .split('\n')
    .filter(Boolean);
  if (ids.length !== paths.length) throw new Error(`git hash-object returned ${ids.length} ids for ${paths.length} files`);
  return ids;
}

/**
 * Blob ids of symbolic links: git stores a link as a blob of its target text, while
 * `hash-object` would follow the link and hash the file it points to.
 */
async function hashLinks(root: string, format: string, paths: string[]): Promise<string[]> {
  return Promise.all(
    paths.map(async (path) => {
      const target = await readlink(join(root, path), { encoding: 'buffer' });
      const hash = createHash(format === 'sha256' ? 'sha256' : 'sha1');
      return hash.update(`blob ${target.length}\0`).update(target).digest('hex');
    }),
  );
}

type Kind = { kind: 'file' | 'symlink' | 'other'; executable: boolean; stats: Stats | null };

/** What a path that differs from the index is now: a link, a file (and its x bit), or something else. */
async function kindOf(root: string, path: string): Promise<Kind> {
  try {
    const stats = await lstat(join(root, path));
    const kind = stats.isSymbolicLink() ? 'symlink' : stats.isFile() ? 'file' : 'other';
    return { kind, executable: (stats.mode & 0o100) !== 0, stats };
  } catch {
    return { kind: 'other', executable: false, stats: null };
  }
}

/** What clean-side ids depend on besides the bytes: committed attributes and the filter/eol config. */
function cleanSignature(staged: Staged[], config: Buffer): string {
  const attributes = staged.filter((e) => e.path === '.gitattributes' || e.path.endsWith('/.gitattributes')).map((e) => `${e.path} ${e.blob}`);
  return createHash('sha256').update(attributes.join('\n')).update('\0').update(config).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The files of the submodule checked out at `path`, under that path, and its HEAD commit. */
async function listSubmodule(root: string, path: string, scope: ReadonlySet<string> | null): Promise<WorktreeFile[]> {
  const moduleRoot = join(root, path);
  const head = (await gitBytes(moduleRoot, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']).catch(() => Buffer.alloc(0)))
    .toString('latin1')
    .trim();
  const entry: WorktreeFile = { path, blob: head, mode: GITLINK_MODE, symlink: false, uninitialized: head === '' };
  if (head === '') return [entry];
  // Inside the submodule, the scope is whatever of it lies in the outer scope.
  const inner = scope === null || inScope(scope, path) ? null : new Set([...scope].filter((s) => s.startsWith(`${path}/`)).map((s) => s.slice(path.length + 1)));
  const files = await listFiles(moduleRoot, inner);
  return [entry, ...files.map((file) => ({ ...file, path: `${path}/${file.path}`, module: file.module === undefined ? path : `${path}/${file.module}` }))];
}

async function listFiles(root: string, scope: ReadonlySet<string> | null, useCache = false): Promise<WorktreeFile[]> {
  const [stagedOut, changedOut, untrackedOut, formatOut, configOut] = await Promise.all([
    gitBytes(root, ['ls-files', '--stage', '-t', '-z']),
    gitBytes(root, ['diff-files', '-z', '--name-status']),
    gitBytes(root, ['ls-files', '--others', '--exclude-standard', '-z']),
    gitBytes(root, ['rev-parse', '--show-object-format', '--absolute-git-dir']),
    gitBytes(root, ['config', '-z', '--get-regexp', '^(core\\.(autocrlf|eol|safecrlf|filemode)|filter\\..*)$']).catch(() => Buffer.alloc(0)),
  ]);
  const staged = parseStaged(stagedOut);
  const { deleted, changed } = parseChanged(changedOut);
  const counts = (path: string) => !path.endsWith('/') && path.split('/')[0] !== STATE_SEGMENT && !path.split('/').includes(STATE_SEGMENT);

  const files: WorktreeFile[] = [];
  const toHash = new Map<string, Named>();
  const modules: string[] = [];
  for (const entry of staged) {
    if (!counts(entry.path) || (!inScope(scope, entry.path) && entry.mode !== GITLINK_MODE)) continue;
    if (entry.mode === GITLINK_MODE) {
      if (touchesScope(scope, entry.path) && !modules.includes(entry.path)) modules.push(entry.path);
      continue;
    }
    const base = { path: entry.path, mode: entry.mode, symlink: entry.mode === SYMLINK_MODE };
    if (entry.badName !== undefined) files.push({ ...base, blob: '', badName: entry.badName });
    else if (entry.sparse) files.push({ ...base, blob: entry.blob, sparse: true });
    else if (deleted.has(entry.path)) continue;
    else if (entry.stage !== '0' || changed.has(entry.path)) toHash.set(entry.path, entry);
    else files.push({ ...base, blob: entry.blob });
  }
  for (const record of byteRecords(untrackedOut)) {
    const named = nameOf(record);
    if (!counts(named.path) || !inScope(scope, named.path)) continue;
    if (named.badName !== undefined) files.push({ path: named.path, blob: '', mode: REGULAR_MODE, symlink: false, badName: named.badName });
    else toHash.set(named.path, named);
  }
  const kinds = await Promise.all([...toHash.keys()].map(async (path) => [path, await kindOf(root, path)] as const));
  // A modified .gitattributes changes clean-side ids in ways the signature cannot see: hash all.
  const isAttributes = (path: string) => path === '.gitattributes' || path.endsWith('/.gitattributes');
  const attributesChanged =
    [...changed].some(isAttributes) || byteRecords(untrackedOut).some((record) => isAttributes(record.toString('latin1')));
  const cache: HashCache | null = useCache && !attributesChanged ? await openHashCache(formatOut.toString('utf8').split('\n')[1]!.trim(), cleanSignature(staged, configOut)) : null;
  const regular: Array<[string, boolean, Stats]> = [];
  const links: string[] = [];
  for (const [path, { kind, executable, stats }] of kinds) {
    if (kind === 'symlink') links.push(path);
    else if (kind !== 'file' || stats === null) continue;
    else {
      const cached = cache?.lookup(path, stats);
      if (cached === undefined) regular.push([path, executable, stats]);
      else {
        files.push({ path, blob: cached, mode: executable ? EXECUTABLE_MODE : REGULAR_MODE, symlink: false, hashed: true });
        cache?.remember(path, stats, cached);
      }
    }
  }
  const [regularIds, linkIds] = await Promise.all([
    hashFiles(root, regular.map(([path]) => path)),
    hashLinks(root, formatOut.toString('latin1').split('\n')[0]!.trim() || 'sha1', links),
  ]);
  regular.forEach(([path, executable, stats], index) => {
    files.push({ path, blob: regularIds[index]!, mode: executable ? EXECUTABLE_MODE : REGULAR_MODE, symlink: false, hashed: true });
    cache?.remember(path, stats, regularIds[index]!);
  });
  await cache?.save();
  links.forEach((path, index) => files.push({ path, blob: linkIds[index]!, mode: SYMLINK_MODE, symlink: true }));
  for (const path of modules) {
    if (await exists(join(root, path, '.git'))) files.push(...(await listSubmodule(root, path, scope)));
    else files.push({ path, blob: '', mode: GITLINK_MODE, symlink: false, uninitialized: true });
  }
  return files;
}

/**
 * Lists every file a build may contain: tracked files not deleted from the working tree, untracked
 * files that git does not ignore, and the files of checked-out submodules; never Slipway's own
 * `.slipway/` state. Files outside `scope` (repository paths; default: everything) are left out
 * unhashed. Submodules appear as one entry each (mode 160000) besides their files.
 * @returns the files sorted by path with `comparePaths`.
 */
export async function listWorktreeFiles(repo: Repo, scope?: readonly string[]): Promise<WorktreeFile[]> {
  const files = await listFiles(repo.root, scope === undefined ? null : new Set(scope), true);
  return files.sort((a, b) => comparePaths(a.path, b.path));
}
