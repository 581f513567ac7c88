// Which of the repository's files belong to a model's build. Pure: the list comes in sorted once
// for the whole repository, and each model takes index ranges out of it by binary search, so a
// repository of many models costs a few searches per model, not a scan of every file per model.
import { posix } from 'node:path';
import type { ModelSpec } from '../spec/types.ts';
import { comparePaths } from './key-of.ts';
import type { ManifestEntry } from './types.ts';

/** A spec path in the form git prints paths: no `./`, no trailing `/`; `` is the whole repository. */
export function normalizeRepoPath(path: string): string {
  const normal = posix.normalize(path === '' ? '.' : path).replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

/** The paths (files or folders) a model's build is made of: context, includes, entry file, deps. */
export function modelSourcePaths(model: ModelSpec): string[] {
  const { build } = model;
  const paths = [build.context, ...build.include, model.file];
  if (build.requirements !== null) paths.push(build.requirements);
  if (build.script !== null) paths.push(build.script);
  return paths.map(normalizeRepoPath);
}

/** Index of the first entry whose path is not below `path`. */
function lowerBound(all: readonly ManifestEntry[], path: string): number {
  let low = 0;
  let high = all.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (comparePaths(all[middle]!.path, path) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The entry of `all` (sorted by path) at exactly `path`, if any. */
export function findFile<T extends ManifestEntry>(all: readonly T[], path: string): T | undefined {
  const normal = normalizeRepoPath(path);
  const found = all[lowerBound(all, normal)];
  return found?.path === normal ? found : undefined;
}

/**
 * Half-open index ranges of `all` that `path` covers: the file `path` itself, and everything
 * under the folder `path/`. Paths under `p/` sort between `p/` and `p0` ('0' follows '/'),
 * while siblings such as `p.txt` or `p-2/x` sort outside that range.
 */
export function rangesOf(all: readonly ManifestEntry[], path: string): Array<[number, number]> {
  if (path === '') return [[0, all.length]];
  const ranges: Array<[number, number]> = [];
  const exact = lowerBound(all, path);
  if (exact < all.length && all[exact]!.path === path) ranges.push([exact, exact + 1]);
  const start = lowerBound(all, `${path}/`);
  const end = lowerBound(all, `${path}0`);
  if (start < end) ranges.push([start, end]);
  return ranges;
}

/**
 * The files of `model`'s build, sorted by path and without duplicates: those under its build
 * context and include paths, its entry file, requirements and build script.
 * @param all every file of the repository, sorted by path with `comparePaths`, paths unique.
 */
export function selectModelFiles<T extends ManifestEntry>(all: readonly T[], model: ModelSpec): T[] {
  const ranges = modelSourcePaths(model)
    .flatMap((path) => rangesOf(all, path))
    .sort((a, b) => a[0] - b[0]);
  const files: T[] = [];
  let next = 0;
  for (const [start, end] of ranges) {
    for (let index = Math.max(start, next); index < end; index++) files.push(all[index]!);
    next = Math.max(next, end);
  }
  return files;
}
