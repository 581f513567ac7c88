// A dependency folder, `.slipway/deps/<hash>/`, as Python's venvs and R's libraries both use it:
// one folder per dependency hash, shared by every build with that hash (a code-only change reuses
// it). Installs of one hash take turns under `<folder>.lock` (deps-lock.ts, also taken by `slipway
// prune`); a folder is complete once `complete.json` is written, atomically, and anything else is
// a failed or interrupted install, removed before the next try. What fills the folder is the
// language's business (python-deps.ts, runtimes/r-deps.ts).
import { access, cp, mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DepsCache } from '../build-cache/deps-cache.ts';
import type { BuildSandbox } from '../sandbox/build-steps.ts';
import { withLock } from './deps-lock.ts';
import type { StepLimits } from './step-limits.ts';

/** The folder of `hash`, the copy of the build folder its steps run in, and its completion marker. */
export type DepsFolderPaths = { folder: string; work: string; marker: string };

/** Where the deps folder of `hash` is under the state folder `stateDir`. */
export function depsFolderPaths(stateDir: string, hash: string): DepsFolderPaths {
  const folder = join(stateDir, 'deps', hash);
  return { folder, work: join(folder, 'work'), marker: join(folder, 'complete.json') };
}

/** Who the folder was first installed for, as its marker records it. */
export type BuiltBy = { model: string; number: number };

/** What every language's dependency install is asked with; each adds its interpreter and files. */
export type DepsFolderRequest = {
  stateDir: string;
  hash: string;
  /** The build folder so far, copied as the working folder of the install steps. */
  source: string;
  /** Build-folder path of the build script, or null. */
  script: string | null;
  builtBy: BuiltBy;
  /** The model's resolved environment (global < project < model), given to the steps. */
  env?: Record<string, string>;
  line: (text: string) => void;
  /** Time limits of its steps, replacing their defaults (see step-limits.ts). */
  stepTimeouts?: StepLimits;
  /** Kills the running step when it aborts. */
  signal?: AbortSignal;
  /** A candidate's build: its steps run in this sandbox (src/sandbox/build-steps.ts). */
  sandbox?: BuildSandbox;
};

export type DepsFolderJob<T> = {
  stateDir: string;
  hash: string;
  line: (text: string) => void;
  /** How the log names what the folder holds: `dependencies`, `R library`. */
  noun: string;
  /** What must exist besides the marker for the folder to be reused (the venv's python, the library). */
  artifact: string;
  /** The line said before installing. */
  installing: string;
  /** The result when a complete folder is reused. */
  reused: T;
  /** The result when the folder was pulled from `cache`; default `reused`. */
  pulled?: T;
  /** The shared build cache: a missing folder is pulled from it before installing, and pushed once installed. */
  cache?: DepsCache;
  /** Cancels a cache pull or push in progress. */
  signal?: AbortSignal;
  /** Fills the folder (see `startDepsFolder`, `completeDepsFolder`); a failed result removes it. */
  install(): Promise<T>;
  /** The result when `install` throws. */
  failed(error: Error): T;
};

/**
 * The folder of `job.hash`: reused when complete (marking it used now, so prune spares it), else
 * pulled from the build cache or installed (and pushed), under the folder's lock. A failure,
 * returned or thrown, leaves no folder behind.
 */
export async function ensureDepsFolder<T extends { ok: boolean }>(job: DepsFolderJob<T>): Promise<T> {
  const paths = depsFolderPaths(job.stateDir, job.hash);
  const short = job.hash.slice(0, 12);
  await mkdir(join(job.stateDir, 'deps'), { recursive: true });
  const waiting = () => job.line(`waiting for ${job.noun} ${short}, being installed by another build`);
  return withLock(`${paths.folder}.lock`, waiting, async () => {
    if ((await exists(paths.marker)) && (await exists(job.artifact))) {
      const marker = await readFile(paths.marker, 'utf8')
        .then((text) => JSON.parse(text) as { builtBy?: BuiltBy })
        .catch(() => ({ builtBy: undefined }));
      const by = marker.builtBy ? ` (installed for ${marker.builtBy.model} #${marker.builtBy.number})` : '';
      job.line(`reusing ${job.noun} ${short}${by}`);
      // Marks it in use, under the lock `slipway prune` takes too: prune spares what was used lately.
      const now = new Date();
      await utimes(paths.marker, now, now);
      return job.reused;
    }
    if (job.cache && (await job.cache.pull(job.hash, paths.folder, job.line, job.signal)) && (await exists(job.artifact))) {
      return job.pulled ?? job.reused;
    }
    job.line(job.installing);
    let result: T;
    try {
      result = await job.install();
    } catch (error) {
      result = job.failed(error as Error);
    }
    if (!result.ok) await rm(paths.folder, { recursive: true, force: true });
    else if (job.cache) await job.cache.push(job.hash, paths.folder, job.line, job.signal);
    return result;
  });
}

/** Empties the folder of a previous try, creates `inner` (default the folder) and copies `source` as the work folder. */
export async function startDepsFolder(paths: DepsFolderPaths, source: string, inner: string = paths.folder): Promise<void> {
  await rm(paths.folder, { recursive: true, force: true });
  await mkdir(inner, { recursive: true });
  await cp(source, paths.work, { recursive: true, verbatimSymlinks: true });
}

/** Writes the completion marker atomically: the folder is complete from this moment on. */
export async function completeDepsFolder(paths: DepsFolderPaths, marker: Record<string, unknown>): Promise<void> {
  await writeFile(`${paths.marker}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  await rename(`${paths.marker}.tmp`, paths.marker);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
