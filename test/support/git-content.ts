// For the git-content suite: real repositories (with Git LFS, eol settings, submodules), keys from
// `computeBuildKeys`, builds from the real snapshot builder, and `git archive` of a commit read
// back as the reference every snapshot must equal.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { openContentStore } from '../../src/build/content-store.ts';
import { assembleContext } from '../../src/build/image-context.ts';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { layoutSnapshot, normalizeContext } from '../../src/build/snapshot-layout.ts';
import type { BuildKey } from '../../src/source/types.ts';
import { computeBuildKeys, type KeysResult } from '../../src/source/build-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import type { ModelSpec, Spec } from '../../src/spec/types.ts';

/** A file of a tree: its bytes (or link text) and whether it is executable or a link. */
export type TreeFile = { kind: 'file' | 'link'; executable: boolean; bytes: string };
export type Tree = Record<string, TreeFile>;

export type ContentRepo = {
  base: string;
  root: string;
  git(...args: string[]): string;
  write(path: string, content: string | Buffer, mode?: number): void;
  commit(message: string): string;
  remove(): void;
};

function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }).trim();
}

/** A repository at `<base>/<name>` with an identity; `base` is a fresh temp folder unless given. */
export function contentRepo(name = 'repo', base = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-content-')))): ContentRepo {
  const root = join(base, name);
  mkdirSync(root, { recursive: true });
  runGit(root, ['init', '-q', '-b', 'main']);
  for (const [key, value] of [['user.name', 'Slipway Test'], ['user.email', 'test@slipway.invalid'], ['commit.gpgsign', 'false'], ['protocol.file.allow', 'always']]) {
    runGit(root, ['config', key!, value!]);
  }
  return repoAt(base, root);
}

/** A handle on the existing repository at `root`. */
export function repoAt(base: string, root: string): ContentRepo {
  return {
    base,
    root,
    git: (...args) => runGit(root, args),
    write(path, content, mode = 0o644) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content, { mode });
    },
    commit(message) {
      runGit(root, ['add', '-A']);
      runGit(root, ['commit', '-q', '-m', message]);
      return runGit(root, ['rev-parse', 'HEAD']);
    },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}

export { runGit };

/** The spec of `models` in the repository at `root`, its models file at `file`. */
export function specOf(root: string, models: ModelSpec[], file = 'models.yaml'): Spec {
  return { root, file, version: 1, project: 'test', limits: { maxReplicas: 9, maxRequestBytes: 5 << 20 }, models };
}

export async function keysIn(root: string, models: ModelSpec[], file?: string): Promise<KeysResult> {
  return computeBuildKeys(await openRepo(root), specOf(root, models, file));
}

/** Every file and link under `folder`, by relative path, skipping `skip`. */
export function readTree(folder: string, skip: string[] = []): Tree {
  const tree: Tree = {};
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (skip.includes(path)) continue;
      const full = join(folder, path);
      const stats = lstatSync(full);
      if (stats.isDirectory()) walk(path);
      else if (stats.isSymbolicLink()) tree[path] = { kind: 'link', executable: false, bytes: readlinkSync(full) };
      else tree[path] = { kind: 'file', executable: (stats.mode & 0o100) !== 0, bytes: readFileSync(full).toString('latin1') };
    }
  };
  walk('');
  return tree;
}

/**
 * `git archive` of `commit` (smudged: eol conversion and Git LFS applied, as checkout would), with
 * submodules' files added from their own archives, read back as a tree relative to `context`.
 */
export function archiveTree(root: string, commit: string, context: string): Tree {
  const out = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-archive-')));
  try {
    const extract = (repoRoot: string, rev: string, prefix: string) => {
      const tar = execFileSync('git', ['archive', '--format=tar', `--prefix=${prefix}`, rev], { cwd: repoRoot, maxBuffer: 1 << 30 });
      execFileSync('tar', ['-x', '-C', out], { input: tar });
      const modules = runGit(repoRoot, ['ls-tree', '-r', '-z', rev]).split('\0').filter((line) => line.startsWith('160000 '));
      for (const line of modules) {
        const [info, path] = line.split('\t') as [string, string];
        extract(join(repoRoot, path), info.split(' ')[2]!, `${prefix}${path}/`);
      }
    };
    extract(root, commit, '');
    return readTree(context === '' ? out : join(out, context));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Whether git-lfs is installed; in CI its absence fails the suite instead of skipping cases. */
export const hasLfs = (() => {
  try {
    execFileSync('git', ['lfs', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasLfs && process.env.CI === 'true') throw new Error('git-lfs is required in CI (apt-get install git-lfs)');

let number = 0;
/** Builds `key` with the snapshot builder; returns the build folder. */
export async function buildSnapshot(r: ContentRepo, key: BuildKey, model: ModelSpec): Promise<string> {
  number++;
  const outcome = await createSnapshotBuilder({ stateDir: join(r.root, '.slipway') }).build({ root: r.root, model, key, number });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return snapshotPaths(join(r.root, '.slipway'), model.name, number).folder;
}

/** The snapshot of `key` equals `git archive` of `commit` in the model's context, and so does the image context. */
export async function assertLikeArchive(r: ContentRepo, key: BuildKey, commit: string, model: ModelSpec): Promise<string> {
  const folder = await buildSnapshot(r, key, model);
  const context = normalizeContext(model.build.context);
  const expected = archiveTree(r.root, commit, context);
  const snapshot = readTree(folder, ['build.json']);
  assert.equal(snapshot, expected, 'snapshot = git archive');
  const placed = layoutSnapshot(key.inputs, context);
  if (!placed.ok) throw new Error(placed.message);
  const image = mkdtempSync(join(tmpdir(), 'slipway-image-context-'));
  try {
    const store = await openContentStore(join(r.root, '.slipway'), 'image');
    const assembled = await assembleContext({ root: r.root, context, layout: placed.layout, inputs: key.inputs, store, runtimeDir: join(process.cwd(), 'runtime/python'), folder: image });
    assert.ok(assembled.ok, assembled.ok ? '' : assembled.message);
    assert.equal(readTree(join(image, 'app')), snapshot, 'image context = snapshot');
  } finally {
    rmSync(image, { recursive: true, force: true });
  }
  return folder;
}
