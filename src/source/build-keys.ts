// Build keys for every model of a spec, from the working tree as git sees it: what is committed,
// what is modified but not committed, and what is new but not ignored. Each file counts as the
// content Git means (the clean-side blob, its mode, and what decides its checkout bytes); cases a
// build could not honour are refused here, at plan, never at build.
import type { ModelSpec, Spec } from '../spec/types.ts';
import { join } from 'node:path';
import { checkLfs, checkoutAttributes, checkoutConfig } from './checkout-facts.ts';
import { comparePaths, keyOf } from './key-of.ts';
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

/**
 * `selected` with the submodule entries of the repositories that hold its files, sorted: a context
 * inside a submodule does not contain the submodule's own entry, yet its files are checked out by
 * that submodule's git, with its commit and eol settings in the key.
 */
function withHoldingModules(all: readonly WorktreeFile[], selected: WorktreeFile[]): WorktreeFile[] {
  const present = new Set(selected.filter((f) => f.mode === GITLINK_MODE).map((f) => f.path));
  const holders = new Set(selected.flatMap((f) => (f.module === undefined || present.has(f.module) ? [] : [f.module])));
  if (holders.size === 0) return selected;
  const extra = [...holders].flatMap((path) => findFile(all, path) ?? []);
  return [...selected, ...extra].sort((a, b) => comparePaths(a.path, b.path));
}

/** Whether `path` is Slipway's models file, which is never part of a build. */
function isSpecFile(spec: Spec, path: string): boolean {
  return path === normalizeRepoPath(spec.file);
}

/** `missingLfs`: pointers without their object (path → its repository, `` for the top level); `lfsUnset`: LFS files of a repository where git-lfs is not set up. */
type Facts = { attributes: Map<string, string>; configs: Map<string, string>; missingLfs: Map<string, string>; lfsUnset: Set<string> };

/**
 * Checkout facts for the union of every model's files: attributes, eol config, missing LFS objects.
 * Each repository answers for its own files: a submodule's `.gitattributes`, `info/attributes`,
 * eol settings and LFS store are its own, as they are for git's checkout and archive there.
 * `configs` maps each repository (`` for the top level, else the submodule's path) to its settings.
 */
async function gatherFacts(root: string, files: readonly WorktreeFile[]): Promise<Facts> {
  const groups = new Map<string, WorktreeFile[]>([['', []]]);
  for (const file of files) {
    if (file.mode === GITLINK_MODE) {
      if (!file.uninitialized && !groups.has(file.path)) groups.set(file.path, []);
    } else if (file.badName === undefined) {
      const module = file.module ?? '';
      const group = groups.get(module);
      if (group === undefined) groups.set(module, [file]);
      else group.push(file);
    }
  }
  const facts: Facts = { attributes: new Map(), configs: new Map(), missingLfs: new Map(), lfsUnset: new Set() };
  await Promise.all(
    [...groups].map(async ([module, own]) => {
      const moduleRoot = module === '' ? root : join(root, module);
      const local = (path: string) => (module === '' ? path : path.slice(module.length + 1));
      const full = (path: string) => (module === '' ? path : `${module}/${path}`);
      const [attributes, config] = await Promise.all([checkoutAttributes(moduleRoot, own.map((f) => local(f.path))), checkoutConfig(moduleRoot)]);
      facts.configs.set(module, config);
      for (const [path, value] of attributes) facts.attributes.set(full(path), value);
      const pointers = own.filter((f) => /(^| )filter=lfs( |$)/.test(attributes.get(local(f.path)) ?? '')).map((f) => ({ path: local(f.path), blob: f.blob }));
      const lfs = await checkLfs(moduleRoot, pointers);
      for (const pointer of lfs.missing) facts.missingLfs.set(full(pointer.path), module);
      if (lfs.unconfigured) for (const pointer of pointers) facts.lfsUnset.add(full(pointer.path));
    }),
  );
  return facts;
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
  const chosen = new Map(spec.models.map((model) => [model.name, withHoldingModules(all, selectModelFiles(all, model))]));
  const facts = await gatherFacts(repo.root, [...new Set([...chosen.values()].flat())]);

  const keys: BuildKeys = {};
  const errors: KeyIssue[] = [];
  for (const model of spec.models) {
    const selected = chosen.get(model.name)!;
    const issues = [...missingPaths(model, selected), ...shapeIssues(model, selected)];
    const context = normalizeRepoPath(model.build.context);
    const paths = new Set(selected.filter((f) => f.mode !== GITLINK_MODE).map((f) => f.path));
    for (const file of selected) {
      const lfsModule = facts.missingLfs.get(file.path);
      if (lfsModule !== undefined) {
        // A submodule keeps its LFS objects in its own git folder: pull there.
        const pull = lfsModule === '' ? '`git lfs pull`' : `\`git -C ${lfsModule} lfs pull\` (or \`git submodule foreach --recursive git lfs pull\`)`;
        issues.push({ model: model.name, path: file.path, message: `${file.path} is an LFS pointer without its object: run ${pull}, or set \`lfs: true\` on actions/checkout` });
      }
      if (facts.lfsUnset.has(file.path)) {
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
      submodules: selected.filter((f) => f.mode === GITLINK_MODE).map((f) => ({ path: f.path, commit: f.blob, config: facts.configs.get(f.path) ?? '' })),
      checkout: {
        config: facts.configs.get('') ?? '',
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
