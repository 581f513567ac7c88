// Dependencies are installed once per dependency hash and shared by every build with the same
// hash, so a code-only change reuses them. The hash covers what decides the installed result:
// the requirements file, the build script, the local files pip reads through the requirements,
// the interpreter, and the layout of the deps folder itself.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { PythonIdentity } from './python-probe.ts';
import { requirementRefs } from './requirement-refs.ts';
import type { PlacedFile, SnapshotLayout } from './snapshot-layout.ts';

/** Bumped when the way dependencies are installed changes, so old deps folders are not reused. */
export const DEPS_FORMAT = 'slipway-deps-1';

const MAX_NESTING = 20;

/** A path pip would resolve from `base` (a build-folder path), or null when it leaves the build folder. */
function insideBuild(base: string, ref: string): string | null {
  if (ref.startsWith('/')) return null;
  const path = posix.normalize(posix.join(base, ref)).replace(/\/+$/, '');
  if (path === '..' || path.startsWith('../')) return null;
  return path === '.' ? '' : path;
}

/**
 * The build's files that pip reads through its requirements file (nested requirement files,
 * local packages), read from the copied build folder `folder`. Paths outside the build (absolute
 * wheel folders) are pip's business and not covered.
 */
export async function requirementFiles(layout: SnapshotLayout, folder: string): Promise<PlacedFile[]> {
  if (layout.requirements === null) return [];
  const byTarget = new Map(layout.files.map((file) => [file.target, file]));
  const found = new Map<string, PlacedFile>();
  const queue: Array<{ file: PlacedFile; depth: number }> = [{ file: layout.requirements, depth: 0 }];
  while (queue.length > 0) {
    const { file, depth } = queue.shift()!;
    if (depth > MAX_NESTING) break;
    // An unreadable file (a dangling link) fails in pip with its own message.
    const text = await readFile(join(folder, file.target), 'utf8').catch(() => null);
    if (text === null) continue;
    const refs = requirementRefs(text);
    for (const ref of refs.nested) {
      const path = insideBuild(posix.dirname(file.target), ref);
      const nested = path === null ? undefined : byTarget.get(path);
      if (nested !== undefined && !found.has(nested.target)) {
        found.set(nested.target, nested);
        queue.push({ file: nested, depth: depth + 1 });
      }
    }
    for (const ref of refs.packages) {
      const path = insideBuild('', ref);
      if (path === null) continue;
      for (const candidate of layout.files) {
        if (path === '' || candidate.target === path || candidate.target.startsWith(`${path}/`)) found.set(candidate.target, candidate);
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

export type DepsInputs = {
  python: PythonIdentity;
  /** Fingerprint of the interpreter's packages, which the venv sees (system site-packages). */
  packages?: string;
  runtime: string;
  requirements: PlacedFile | null;
  script: PlacedFile | null;
  /** Files pip reads through the requirements (see `requirementFiles`). */
  files: PlacedFile[];
};

/** The dependency hash (sha256 hex) of `inputs`. */
export function depsHash(inputs: DepsInputs): string {
  const entry = (file: PlacedFile | null) => (file === null ? null : { path: file.target, blob: file.blob });
  const document = {
    format: DEPS_FORMAT,
    runtime: inputs.runtime,
    python: { executable: inputs.python.executable, version: inputs.python.version, packages: inputs.packages },
    requirements: entry(inputs.requirements),
    script: entry(inputs.script),
    files: inputs.files.map(entry),
  };
  return createHash('sha256').update(JSON.stringify(document)).digest('hex');
}
