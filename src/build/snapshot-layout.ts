// Where each file of a build key goes in a snapshot build folder. Replicas run with the build
// folder as their working directory, so the model's build context becomes the folder's root:
// `open("params.json")` and `import helpers` work as they do from the context in the repository.
// Files from outside the context (`build.include`, a requirements file elsewhere) keep their path
// relative to the repository root, so `import shared.utils` works as it does from the root.
// Pure: plain data in, plain data out.
import { posix } from 'node:path';
import type { KeyInputs, ManifestEntry } from '../source/types.ts';
import { BUILD_INFO_FILE } from './build-info.ts';

/** A manifest entry and the path it takes in the build folder. */
export type PlacedFile = ManifestEntry & { target: string };

export type SnapshotLayout = {
  files: PlacedFile[];
  /** The model file, relative to the build folder. */
  file: string;
  requirements: PlacedFile | null;
  script: PlacedFile | null;
};

export type LayoutResult = { ok: true; layout: SnapshotLayout } | { ok: false; message: string };

/** Why `path` is not a plain path inside the repository, or null when it is one. */
export function repoPathProblem(path: string): string | null {
  if (path === '' || path.includes('\0')) return `"${path}" is empty or holds a NUL character`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `"${path}" is absolute`;
  const segments = path.split('/');
  if (segments.includes('..')) return `"${path}" goes up with ".."`;
  if (segments.some((segment) => segment === '' || segment === '.')) return `"${path}" is not normalized`;
  if (segments[0] === '.git') return `"${path}" is inside .git`;
  return null;
}

/** The context folder in git's form: no `./`, no trailing `/`, `` for the repository root. */
export function normalizeContext(context: string): string {
  const normal = posix.normalize(context === '' ? '.' : context).replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

/** The build-folder path of the repository path `path` for a model whose context is `context`. */
export function targetOf(path: string, context: string): string {
  if (context === '') return path;
  return path.startsWith(`${context}/`) ? path.slice(context.length + 1) : path;
}

function ancestors(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

/** Two files that cannot both be placed: the same target, or a file where another needs a folder. */
function findClash(files: PlacedFile[]): string | null {
  const byTarget = new Map<string, PlacedFile>();
  for (const file of files) {
    const other = byTarget.get(file.target);
    if (other !== undefined) return `${other.path} and ${file.path} would both be ${file.target}`;
    byTarget.set(file.target, file);
  }
  for (const file of files) {
    for (const folder of ancestors(file.target)) {
      const other = byTarget.get(folder);
      if (other !== undefined) return `${other.path} would be ${folder}, a folder ${file.path} needs`;
    }
  }
  return null;
}

/**
 * Places the files of `inputs` for a model whose build context is `context`. Refuses paths that
 * are not plain relative paths inside the repository, files that would land on the same place, a
 * file where Slipway writes `build.json`, and an entry file, requirements or script that is not
 * among the files.
 */
export function layoutSnapshot(inputs: KeyInputs, context: string): LayoutResult {
  const base = normalizeContext(context);
  const contextProblem = base === '' ? null : repoPathProblem(base);
  if (contextProblem !== null) return { ok: false, message: `build context ${contextProblem}` };
  for (const entry of inputs.files) {
    const problem = repoPathProblem(entry.path);
    if (problem !== null) return { ok: false, message: `refusing build file ${problem}: builds take only files inside the repository` };
  }
  const files = inputs.files.map((entry) => ({ path: entry.path, blob: entry.blob, target: targetOf(entry.path, base) }));
  const clash = findClash(files);
  if (clash !== null) {
    return { ok: false, message: `files clash in the build folder: ${clash}; rename one or narrow build.include` };
  }
  const reserved = files.find((file) => file.target === BUILD_INFO_FILE);
  if (reserved !== undefined) {
    return {
      ok: false,
      message: `${reserved.path} would be ${BUILD_INFO_FILE} at the root of the build folder, where Slipway writes its build record; rename it`,
    };
  }
  const placed = (path: string): PlacedFile | undefined => files.find((file) => file.path === path);
  const entry = placed(inputs.file);
  if (entry === undefined) return { ok: false, message: `the model file ${inputs.file} is not among the build's files` };
  const requirements = inputs.requirements === null ? null : placed(inputs.requirements.path);
  if (requirements === undefined) {
    return { ok: false, message: `the requirements file ${inputs.requirements?.path} is not among the build's files` };
  }
  const script = inputs.script === null ? null : placed(inputs.script.path);
  if (script === undefined) {
    return { ok: false, message: `the build script ${inputs.script?.path} is not among the build's files` };
  }
  return { ok: true, layout: { files, file: entry.target, requirements, script } };
}
