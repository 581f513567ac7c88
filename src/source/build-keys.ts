// Build keys for every model of a spec, from the working tree as git sees it: what is committed,
// what is modified but not committed, and what is new but not ignored.
import type { ModelSpec, Spec } from '../spec/types.ts';
import { keyOf } from './key-of.ts';
import type { Repo } from './repo.ts';
import { DEFAULT_BASE_IMAGE, RUNTIME_VERSION } from './runtime-version.ts';
import { findFile, normalizeRepoPath, rangesOf, selectModelFiles } from './select-model-files.ts';
import { symlinkEscape } from './symlink-escape.ts';
import type { BuildKeys, KeyInputs, ManifestEntry } from './types.ts';
import { listWorktreeFiles, type WorktreeFile } from './worktree-files.ts';

export { keyOf } from './key-of.ts';
export { selectModelFiles } from './select-model-files.ts';

/** Why a model has no build key; `path` is the repository path at fault. */
export type KeyIssue = { model: string; path: string; message: string };

export type KeysResult = { ok: true; keys: BuildKeys } | { ok: false; errors: KeyIssue[] };

const NOT_IN_BUILD =
  'is neither tracked by git nor an untracked file git sees (missing, or matched by .gitignore): ' +
  'create it, or remove it from .gitignore';

/** The manifest entry of `path` among the build's files (sorted), or null. */
function entryAt(files: readonly WorktreeFile[], path: string | null): ManifestEntry | null {
  const file = path === null ? undefined : findFile(files, path);
  return file ? { path: file.path, blob: file.blob } : null;
}

/** Paths the model names that must exist in its build: entry file, dependencies, includes. */
function missingPaths(model: ModelSpec, files: readonly WorktreeFile[]): KeyIssue[] {
  const issues: KeyIssue[] = [];
  const { build } = model;
  for (const [what, path] of [['file', model.file], ['requirements', build.requirements], ['build script', build.script]] as const) {
    if (path !== null && entryAt(files, path) === null) {
      issues.push({ model: model.name, path, message: `${what} ${path} ${NOT_IN_BUILD}` });
    }
  }
  for (const path of build.include) {
    if (rangesOf(files, normalizeRepoPath(path)).length === 0) {
      issues.push({ model: model.name, path, message: `include path ${path} matches no file: ${NOT_IN_BUILD}` });
    }
  }
  return issues;
}

/**
 * Computes every model's build key from the repository's working tree. Git runs a fixed number of
 * times whatever the number of models; each model's files are taken from one sorted listing.
 * Errors name the model and path: files the spec names that git cannot see, and symlinks that
 * lead outside the repository.
 */
export async function computeBuildKeys(repo: Repo, spec: Spec): Promise<KeysResult> {
  const all = await listWorktreeFiles(repo);
  const escapes = new Map<string, Promise<string | null>>();
  const escapeOf = (path: string) => {
    if (!escapes.has(path)) escapes.set(path, symlinkEscape(repo.root, path));
    return escapes.get(path)!;
  };

  const keys: BuildKeys = {};
  const errors: KeyIssue[] = [];
  for (const model of spec.models) {
    const selected = selectModelFiles(all, model);
    const issues = missingPaths(model, selected);
    for (const file of selected.filter((f) => f.symlink)) {
      const target = await escapeOf(file.path);
      if (target !== null) {
        issues.push({
          model: model.name,
          path: file.path,
          message:
            `${file.path} is a symbolic link to ${target}, outside the repository; a build may only ` +
            'hold files of the repository: copy the file in, or point the link inside',
        });
      }
    }
    if (issues.length > 0) {
      errors.push(...issues);
      continue;
    }
    const inputs: KeyInputs = {
      files: selected.map(({ path, blob }) => ({ path, blob })),
      requirements: entryAt(selected, model.build.requirements),
      script: entryAt(selected, model.build.script),
      file: normalizeRepoPath(model.file),
      function: model.function,
      runtime: model.runtime,
      baseImage: model.build.baseImage,
      defaultBaseImage: model.build.baseImage === null ? DEFAULT_BASE_IMAGE : null,
      runtimeVersion: RUNTIME_VERSION,
    };
    keys[model.name] = { key: keyOf(inputs), inputs };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, keys };
}
