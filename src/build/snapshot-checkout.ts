// Writes a build's files the way `git checkout` of the keyed blobs would: from git's object
// database, through git's own checkout (a private index and `git checkout-index`), so eol
// conversion, Git LFS smudging (fetching a missing object through git-lfs) and modes are git's,
// exactly as for `git archive` of a commit holding those blobs. The key names clean-side blobs;
// the snapshot holds their checkout. A file planned from the working tree and not yet in the
// object database is written into it here (`git hash-object -w`), and its id checked against the
// plan: a mismatch means it really changed after planning, so retrying can help.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, realpath, rename, rm, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { gitBytes, stdinPath } from '../source/git-bytes.ts';
import type { KeyInputs } from '../source/types.ts';
import { adoptLinked, contentId, listContent, placeContent, setStoreMode, storeUmask, type ContentStore } from './content-store.ts';
import { gitBlobId } from './git-blob.ts';
import { targetOf, type PlacedFile } from './snapshot-layout.ts';

export type CopyResult = { ok: true; linked: number } | { ok: false; message: string };

export type SnapshotRequest = {
  /** Repository root (a realpath). */
  root: string;
  /** The model's normalized build context, to judge symlinks. */
  context: string;
  inputs: KeyInputs;
  files: PlacedFile[];
  /** An existing, empty folder to fill. */
  folder: string;
  store: ContentStore;
  /** The key's `unstored` hint: only these may lack their blob; without it, git is asked for every file. */
  unstored?: readonly string[];
};

const SYMLINK = '120000';
const EXECUTABLE = '100755';

class Refusal extends Error {}

function changedMessage(file: PlacedFile, blob: string): string {
  return `${file.path} changed after planning (working tree blob ${blob.slice(0, 12)}, planned ${file.blob.slice(0, 12)}); plan and apply again`;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/** Runs the synchronous `work` over `items` in slices, yielding to the event loop between them. */
async function inSlices<T>(items: readonly T[], work: (item: T) => void): Promise<void> {
  for (let start = 0; start < items.length; start += SLICE) {
    for (const item of items.slice(start, start + SLICE)) work(item);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Files handled between two yields: a few milliseconds of system calls. */
const SLICE = 256;

/** The blob ids among `blobs` that the repository at `root` does not hold. */
async function absentBlobs(root: string, blobs: string[]): Promise<Set<string>> {
  if (blobs.length === 0) return new Set();
  const out = await gitBytes(root, ['cat-file', '--batch-check', '--buffer'], { input: blobs.map((b) => `${b}\n`).join('') });
  return new Set(out.toString('latin1').split('\n').filter((line) => line.endsWith(' missing')).map((line) => line.split(' ')[0]!));
}

/** Writes working-tree files into the object database, refusing any whose id is not the planned one. */
async function storeFromWorktree(root: string, moduleRoot: string, files: PlacedFile[], local: (f: PlacedFile) => string): Promise<void> {
  for (const file of files) {
    const source = join(moduleRoot, local(file));
    let realParent: string;
    try {
      realParent = await realpath(dirname(source));
    } catch {
      throw new Refusal(`${file.path} was planned but its folder is gone from the working tree; plan and apply again`);
    }
    if (realParent !== dirname(source)) {
      throw new Refusal(`${file.path} lies under a symlinked folder (${relative(root, realParent) || realParent}); builds take files only from real folders of the repository`);
    }
    const stat = await lstat(source).catch(() => null);
    if (stat === null) throw new Refusal(`${file.path} was planned but is missing from the working tree; plan and apply again`);
    if (!stat.isFile()) throw new Refusal(`${file.path} is no longer a regular file; plan and apply again`);
  }
  if (files.length === 0) return;
  const input = files.map((f) => `${stdinPath(local(f))}\n`).join('');
  const ids = (await gitBytes(moduleRoot, ['hash-object', '-w', '--stdin-paths'], { input })).toString('latin1').split('\n').filter(Boolean);
  files.forEach((file, index) => {
    if (ids[index] !== file.blob) throw new Refusal(changedMessage(file, ids[index] ?? 'none'));
  });
}

/** Recreates the link `file` in `folder`, checking its target text against the plan and the layout. */
async function placeLink(root: string, context: string, file: PlacedFile, folder: string): Promise<void> {
  const source = join(root, file.path);
  const bytes = await readlink(source, { encoding: 'buffer' }).catch(() => null);
  if (bytes === null) throw new Refusal(`${file.path} was planned as a symbolic link but is no longer one; plan and apply again`);
  const blob = gitBlobId(bytes);
  if (blob !== file.blob) throw new Refusal(changedMessage(file, blob));
  const text = bytes.toString('utf8');
  if (isAbsolute(text)) throw new Refusal(`symlink ${file.path} points to the absolute path ${text}; builds take only relative links inside the repository`);
  let real: string;
  try {
    real = await realpath(source);
  } catch {
    real = join(dirname(source), text);
  }
  if (!inside(root, real)) throw new Refusal(`symlink ${file.path} leads out of the repository (${text}); replace it with the file itself`);
  const repoTarget = posix.normalize(posix.join(posix.dirname(file.path), text));
  const buildTarget = posix.normalize(posix.join(posix.dirname(file.target), text));
  if (repoTarget.startsWith('../') || buildTarget.startsWith('../') || buildTarget === '..' || targetOf(repoTarget, context) !== buildTarget) {
    throw new Refusal(
      `symlink ${file.path} -> ${text} would point elsewhere in the build folder than in the repository; make the link relative within the build context, or replace it with the file`,
    );
  }
  const destination = join(folder, file.target);
  await mkdir(dirname(destination), { recursive: true });
  await symlink(bytes, destination);
}

/**
 * Checks `files` of one repository out of its object database into `tree`, by their local path,
 * under `umask` when given (the store's modes, without a chmod per file).
 */
async function checkout(moduleRoot: string, files: PlacedFile[], modes: Map<string, string>, local: (f: PlacedFile) => string, scratch: string, tree: string, umask?: number): Promise<void> {
  if (files.length === 0) return;
  const index = join(scratch, `index-${randomBytes(4).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  const info = files.map((f) => `${modes.get(f.path) === EXECUTABLE ? EXECUTABLE : '100644'} ${f.blob}\t${local(f)}\0`).join('');
  await gitBytes(moduleRoot, ['update-index', '--add', '-z', '--index-info'], { input: Buffer.from(info), env });
  // Folders are made here, writable: under the store's mask git would make them read-only.
  const folders = new Set(files.map((f) => dirname(join(tree, local(f)))));
  for (const folder of [...folders].sort()) await mkdir(folder, { recursive: true });
  try {
    await gitBytes(moduleRoot, ['checkout-index', '--all', '--force', `--prefix=${tree}/`], { env, ...(umask === undefined ? {} : { umask }) });
  } catch (error) {
    const detail = (error as Error).message;
    const lfs = /lfs|smudge/i.test(detail) ? '; an LFS object may be missing: run `git lfs pull`' : '';
    throw new Refusal(`git could not check out the build's files: ${detail}${lfs}`);
  }
}

/** Renames `from` onto `to`; false where that cannot be done (another file system, `to` not empty). */
async function moved(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fills `req.folder` with `req.files`, each at its target: regular files from the content store
 * (checked out by git when the store lacks them), links recreated. A checkout happens once, in a
 * scratch tree laid out like the repository, with the store's modes: each new file is linked into
 * the store and the tree under the build context becomes the build folder in one rename, so a file
 * new to the store costs one file written and one link, like a copy plus a link, and a file the
 * store holds one link. A failure is a result whose message says what to do; nothing half-written
 * is left in the store.
 */
export async function writeSnapshot(req: SnapshotRequest): Promise<CopyResult> {
  const { inputs, store } = req;
  const modes = new Map((inputs.modes ?? []).map((m) => [m.path, m.mode]));
  const attributes = new Map((inputs.checkout?.attributes ?? []).map((a) => [a.path, a.attributes]));
  const modules = (inputs.submodules ?? []).map((s) => s.path).sort((a, b) => b.length - a.length);
  const moduleOf = (path: string) => modules.find((m) => path.startsWith(`${m}/`)) ?? '';
  // A submodule's files are checked out by its own git, with its own eol settings.
  const configs = new Map<string, string>([['', inputs.checkout?.config ?? ''], ...(inputs.submodules ?? []).map((s) => [s.path, s.config ?? ''] as [string, string])]);
  // One digest per file: asked several times each, for tens of thousands of files.
  const ids = new Map<PlacedFile, string>();
  const idOf = (f: PlacedFile) => {
    let id = ids.get(f);
    if (id === undefined) {
      id = contentId(f.blob, modes.get(f.path) === EXECUTABLE, `${configs.get(moduleOf(f.path)) ?? ''}\n${attributes.get(f.path) ?? ''}`);
      ids.set(f, id);
    }
    return id;
  };
  const scratch = join(store.dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const tree = join(scratch, 'tree');
  try {
    const regular = req.files.filter((f) => modes.get(f.path) !== SYMLINK);
    const held = await listContent(store);
    const wanted = new Map<string, PlacedFile>();
    for (const file of regular) if (!held.has(idOf(file)) && !wanted.has(idOf(file))) wanted.set(idOf(file), file);
    await mkdir(tree, { recursive: true });
    const groups = new Map<string, PlacedFile[]>();
    for (const file of wanted.values()) {
      const group = groups.get(moduleOf(file.path));
      if (group === undefined) groups.set(moduleOf(file.path), [file]);
      else group.push(file);
    }
    for (const [module, files] of groups) {
      const moduleRoot = join(req.root, module);
      const local = (f: PlacedFile) => (module === '' ? f.path : f.path.slice(module.length + 1));
      const hinted = req.unstored === undefined ? null : new Set(req.unstored);
      const absent = hinted === null ? await absentBlobs(moduleRoot, [...new Set(files.map((f) => f.blob))]) : new Set(files.filter((f) => hinted.has(f.path)).map((f) => f.blob));
      await storeFromWorktree(req.root, moduleRoot, files.filter((f) => absent.has(f.blob)), local);
      // A filter's smudge (git-lfs fetching an object) may write into the git folder, where the
      // store's mask would leave read-only folders behind: such files get their mode afterwards.
      const filtered = files.some((f) => /(^| )filter=/.test(attributes.get(f.path) ?? ''));
      await checkout(moduleRoot, files, modes, local, scratch, join(tree, module), filtered ? undefined : storeUmask(store));
      if (filtered) await inSlices(files, (f) => setStoreMode(store, join(tree, f.path), modes.get(f.path) === EXECUTABLE));
    }
    const checkedOut = [...wanted.values()];
    await inSlices(checkedOut, (f) => adoptLinked(store, idOf(f), join(tree, f.path)));

    // The checked-out files under the context are already where the build wants them, relative
    // to the tree's context folder: one rename places them all (when the build folder is empty
    // and on the same file system). Anything else is linked from the store.
    const placed = new Set<PlacedFile>();
    const underContext = checkedOut.filter((f) => f.target === targetOf(f.path, req.context) && (req.context === '' || f.path.startsWith(`${req.context}/`)));
    if (underContext.length > 0 && (await moved(join(tree, req.context), req.folder))) for (const file of underContext) placed.add(file);
    let linked = placed.size;
    const rest = regular.filter((f) => !placed.has(f));
    const folders = new Set(rest.map((f) => dirname(join(req.folder, f.target))));
    for (const folder of [...folders].sort()) await mkdir(folder, { recursive: true });
    await inSlices(rest, (f) => {
      if (placeContent(store, idOf(f), join(req.folder, f.target), modes.get(f.path) === EXECUTABLE)) linked++;
    });
    for (const file of req.files.filter((f) => modes.get(f.path) === SYMLINK)) await placeLink(req.root, req.context, file, req.folder);
    return { ok: true, linked };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: error.message };
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
