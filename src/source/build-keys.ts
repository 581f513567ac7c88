// Build keys for every model of a spec, from the working tree as git sees it: what is committed,
// what is modified but not committed, and what is new but not ignored. Each file counts as the
// content Git means (the clean-side blob, its mode, and what decides its checkout bytes); cases a
// build could not honour are refused here, at plan, never at build.
import type { ModelSpec, Spec } from '../spec/types.ts';
import { checkLfs, checkoutAttributes, checkoutConfig } from './checkout-facts.ts';
import { keyOf } from './key-of.ts';
import { linkProblem } from './link-issues.ts';
import type { Repo } from './repo.ts';
import { DEFAULT_BASE_IMAGE, RUNTIME_VERSION } from './runtime-version.ts';
import { findFile, modelSourcePaths, normalizeRepoPath, rangesOf, selectModelFiles } from './select-model-files.ts';
import type { BuildKeys, KeyInputs, ManifestEntry } from './types.ts';
import { GITLINK_MODE, REGULAR_MODE, listWorktreeFiles, type WorktreeFile } from './worktree-files.ts';

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
  return file && file.mode !== GITLINK_MODE ? { path: file.path, blob: file.blob } : null;
}

/** Paths the model names that must exist in its build: entry file, dependencies, includes. */
function missingPaths(model: ModelSpec, files: readonly WorktreeFile[]): KeyIssue[] {
  const issues: KeyIssue[] = [];
  const { build } = model;
  for (const [what, path] of [['file', model.file], ['requirements', build.requirements], ['build script', build.script]] as const) {
    if (path !== null && entryAt(files, path) === null && !files.some((f) => f.uninitialized && normalizeRepoPath(path).startsWith(`${f.path}/`))) {
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

/** Files a build cannot take as they are: names that are not UTF-8, sparse, unchecked-out submodules. */
function shapeIssues(model: ModelSpec, files: readonly WorktreeFile[]): KeyIssue[] {
  const issues: KeyIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ model: model.name, path, message });
  const sparse = files.filter((f) => f.sparse);
  for (const file of files) {
    if (file.badName !== undefined) {
      issue(file.badName, `${file.badName} has a name that is not UTF-8, which Slipway cannot key or copy: rename it to a UTF-8 name (git mv), or add it to .gitignore`);
    } else if (file.uninitialized) {
      issue(file.path, `${file.path} is a submodule that is not checked out: run \`git submodule update --init --recursive\` (in CI: \`submodules: recursive\` on actions/checkout)`);
    }
  }
  if (sparse.length > 0) {
    const more = sparse.length > 1 ? ` and ${sparse.length - 1} more` : '';
    issue(
      sparse[0]!.path,
      `${sparse[0]!.path}${more} of this model's build are left out of the working tree by the sparse checkout: ` +
        `run \`git sparse-checkout add ${normalizeRepoPath(model.build.context) || '.'}\` (and any include paths), or \`git sparse-checkout disable\``,
    );
  }
  return issues;
}

/** Whether `path` is Slipway's models file, which is never part of a build. */
function isSpecFile(spec: Spec, path: string): boolean {
  return path === normalizeRepoPath(spec.file);
}

/** Checkout facts for the union of every model's files: attributes, eol config, missing LFS objects. */
async function gatherFacts(root: string, files: readonly WorktreeFile[]) {
  const own = files.filter((f) => f.module === undefined && f.mode !== GITLINK_MODE && f.badName === undefined);
  const [attributes, config] = await Promise.all([checkoutAttributes(root, own.map((f) => f.path)), checkoutConfig(root)]);
  const lfs = own.filter((f) => /(^| )filter=lfs( |$)/.test(attributes.get(f.path) ?? ''));
  return { attributes, config, lfs: await checkLfs(root, lfs) };
}

/**
 * Computes every model's build key from the repository's working tree. Git runs a fixed number of
 * times whatever the number of models; each model's files are taken from one sorted listing.
 * Errors name the model and path: files the spec names that git cannot see, symlinks that lead
 * outside the build, LFS pointers without their object, and files a build could not copy.
 */
export async function computeBuildKeys(repo: Repo, spec: Spec): Promise<KeysResult> {
  const scope = [...new Set(spec.models.flatMap(modelSourcePaths))];
  const all = (await listWorktreeFiles(repo, scope)).filter((file) => !isSpecFile(spec, file.path));
  const chosen = new Map(spec.models.map((model) => [model.name, selectModelFiles(all, model)]));
  const facts = await gatherFacts(repo.root, [...new Set([...chosen.values()].flat())]);
  const missingLfs = new Map(facts.lfs.missing.map((pointer) => [pointer.path, pointer]));

  const keys: BuildKeys = {};
  const errors: KeyIssue[] = [];
  for (const model of spec.models) {
    const selected = chosen.get(model.name)!;
    const issues = [...missingPaths(model, selected), ...shapeIssues(model, selected)];
    const context = normalizeRepoPath(model.build.context);
    const paths = new Set(selected.filter((f) => f.mode !== GITLINK_MODE).map((f) => f.path));
    for (const file of selected) {
      if (missingLfs.has(file.path)) {
        const name = file.path;
        issues.push({ model: model.name, path: name, message: `${name} is an LFS pointer without its object: run \`git lfs pull\`, or set \`lfs: true\` on actions/checkout` });
      }
      if (facts.lfs.unconfigured && /filter=lfs/.test(facts.attributes.get(file.path) ?? '')) {
        issues.push({ model: model.name, path: file.path, message: `${file.path} is stored with Git LFS, but git-lfs is not set up here: install git-lfs and run \`git lfs install\`, then \`git lfs pull\`` });
      }
      if (file.symlink && file.badName === undefined) {
        const problem = await linkProblem(repo.root, file.path, paths, context);
        if (problem !== null) issues.push({ model: model.name, path: file.path, message: problem });
      }
    }
    if (issues.length > 0) {
      errors.push(...issues);
      continue;
    }
    const files = selected.filter((f) => f.mode !== GITLINK_MODE);
    const inputs: KeyInputs = {
      files: files.map(({ path, blob }) => ({ path, blob })),
      requirements: entryAt(selected, model.build.requirements),
      script: entryAt(selected, model.build.script),
      file: normalizeRepoPath(model.file),
      function: model.function,
      runtime: model.runtime,
      baseImage: model.build.baseImage,
      defaultBaseImage: model.build.baseImage === null ? DEFAULT_BASE_IMAGE : null,
      runtimeVersion: RUNTIME_VERSION,
      modes: files.filter((f) => f.mode !== REGULAR_MODE).map(({ path, mode }) => ({ path, mode })),
      submodules: selected.filter((f) => f.mode === GITLINK_MODE).map((f) => ({ path: f.path, commit: f.blob })),
      checkout: {
        config: facts.config,
        attributes: files.flatMap((f) => {
          const attributes = facts.attributes.get(f.path);
          return attributes === undefined ? [] : [{ path: f.path, attributes }];
        }),
      },
    };
    keys[model.name] = { key: keyOf(inputs), inputs, unstored: files.filter((f) => f.hashed).map((f) => f.path) };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, keys };
}
