// Paths in models.yaml are relative to its folder and must stay inside the repository: a build is a
// snapshot of repository files, so a path that escapes (`..`, an absolute path, a symlink out) would
// make builds depend on whatever the machine running Slipway happens to hold.
import fs from 'node:fs';
import path from 'node:path';

export type RepoContext = {
  /** Absolute repository root, as the caller gave it. */
  root: string;
  /** The root with symlinks resolved, to compare realpaths against. */
  realRoot: string;
  /** Absolute folder holding models.yaml; paths in it are relative to this. */
  baseDir: string;
};

export type PathKind = 'file' | 'folder' | 'any';

export type CheckedPath = { ok: true; abs: string; rel: string } | { ok: false; message: string };

/** Builds the context once per load; realpath of the root is needed for every symlink check. */
export function repoContext(root: string, modelsFile: string): RepoContext {
  let realRoot = root;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    // A root that does not exist makes every path check fail with its own clear message.
  }
  return { root, realRoot, baseDir: path.dirname(modelsFile) };
}

/** `abs` relative to the root with forward slashes (`.` for the root itself). */
export function toRepoPath(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/** Whether `abs` is `dir` or lies under it (both absolute and normalized). */
export function isInside(dir: string, abs: string): boolean {
  const rel = path.relative(dir, abs);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Checks a path written in models.yaml: relative, inside the repository (also after following
 * symlinks), existing, and of the expected kind. Uses sync fs calls: a thousand models must load
 * in well under a second, and a few stats each is far cheaper than scheduling promises.
 */
export function checkRepoPath(ctx: RepoContext, given: string, kind: PathKind): CheckedPath {
  if (path.isAbsolute(given)) {
    return { ok: false, message: `"${given}" is an absolute path; write it relative to the folder of models.yaml` };
  }
  const abs = path.resolve(ctx.baseDir, given);
  if (!isInside(ctx.root, abs)) {
    return {
      ok: false,
      message: `"${given}" points outside the repository (to ${abs}); keep model files inside ${ctx.root}`,
    };
  }
  const rel = toRepoPath(ctx.root, abs);
  let stat: fs.Stats | undefined;
  let real: string;
  try {
    stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (stat === undefined) {
      const broken = fs.lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink() === true;
      const why = broken ? 'is a symlink to nothing' : 'does not exist';
      return { ok: false, message: `"${given}" ${why} (looked for ${rel} in the repository)` };
    }
    real = fs.realpathSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // A path through a file (`predict.py/x`) simply does not exist.
    if (code === 'ENOTDIR') return { ok: false, message: `"${given}" does not exist (looked for ${rel} in the repository)` };
    // EACCES, ELOOP: the path cannot be used, and the code says why.
    return { ok: false, message: `"${given}" cannot be read (${code}; looked for ${rel} in the repository)` };
  }
  if (!isInside(ctx.realRoot, real)) {
    return {
      ok: false,
      message: `"${given}" goes through a symlink to ${real}, outside the repository; copy what it needs into the repository`,
    };
  }
  if (kind === 'file' && !stat.isFile()) return { ok: false, message: `"${given}" is a folder; expected a file` };
  if (kind === 'folder' && !stat.isDirectory()) return { ok: false, message: `"${given}" is a file; expected a folder` };
  return { ok: true, abs, rel };
}

/** The first of `names` that is a file in the folder `dirAbs`, as a repository path, or null. */
export function findFirstFile(root: string, dirAbs: string, names: readonly string[]): string | null {
  for (const name of names) {
    const abs = path.join(dirAbs, name);
    try {
      if (fs.statSync(abs, { throwIfNoEntry: false })?.isFile() === true) return toRepoPath(root, abs);
    } catch {
      // Unreadable counts as absent: the default is only a convenience.
    }
  }
  return null;
}
