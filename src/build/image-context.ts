// The build context handed to buildah, assembled in a private folder so the image holds exactly
// the files of the build key and nothing else from the repository:
//
//   app/       every file of the key, written exactly as the snapshot builder writes them
//   deps/      the requirements file, the build script and the files pip reads through the
//              requirements, taken from app/ (the same verified bytes)
//   runtime/   the Slipway runtime (slipway_runtime, cdsw.py, cml/)
//   Containerfile
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { requirementFiles } from './deps-hash.ts';
import { CONTEXT_APP, CONTEXT_DEPS, CONTEXT_RUNTIME } from './containerfile.ts';
import type { ContentStore } from './content-store.ts';
import { writeSnapshot } from './snapshot-checkout.ts';
import type { PlacedFile, SnapshotLayout } from './snapshot-layout.ts';
import type { KeyInputs } from '../source/types.ts';

/** The runtime files an image needs, relative to the runtime folder (`runtime/python`). */
export const RUNTIME_ENTRIES = ['slipway_runtime', 'cdsw.py', 'cml'];

export type ContextResult = { ok: true; deps: string[] } | { ok: false; message: string };

export type ContextRequest = {
  /** Repository root (a realpath). */
  root: string;
  /** The model's normalized build context, to judge symlinks. */
  context: string;
  layout: SnapshotLayout;
  /** The build key's inputs: modes, submodules and checkout settings of the files. */
  inputs: KeyInputs;
  /** Where checked-out content is kept (and linked from, when on the same file system). */
  store: ContentStore;
  /** The build key's `unstored` hint (see `BuildKey`). */
  unstored?: readonly string[];
  /** The runtime folder holding `slipway_runtime`. */
  runtimeDir: string;
  /** The entries of `runtimeDir` to copy; default `RUNTIME_ENTRIES` (Python's). */
  runtimeEntries?: string[];
  /** More files of the dependency layer (an R model's install.R, DESCRIPTION, renv.lock). */
  depsExtra?: PlacedFile[];
  /** An empty, private folder to fill. */
  folder: string;
};

/** The files that make up the dependency layer, by build-folder path. */
async function depsFiles(layout: SnapshotLayout, app: string): Promise<PlacedFile[]> {
  const chosen = new Map<string, PlacedFile>();
  if (layout.requirements !== null) chosen.set(layout.requirements.target, layout.requirements);
  if (layout.script !== null) chosen.set(layout.script.target, layout.script);
  for (const file of await requirementFiles(layout, app)) chosen.set(file.target, file);
  return [...chosen.values()].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/** Fills `req.folder` with app/, deps/ and runtime/ (not the Containerfile, see `writeContainerfile`). */
export async function assembleContext(req: ContextRequest): Promise<ContextResult> {
  const app = join(req.folder, CONTEXT_APP);
  await mkdir(app, { recursive: true });
  const copied = await writeSnapshot({ root: req.root, context: req.context, inputs: req.inputs, files: req.layout.files, folder: app, store: req.store, unstored: req.unstored });
  if (!copied.ok) return copied;
  const deps = join(req.folder, CONTEXT_DEPS);
  await mkdir(deps);
  const chosen = await depsFiles(req.layout, app);
  for (const file of req.depsExtra ?? []) if (!chosen.some((c) => c.target === file.target)) chosen.push(file);
  for (const file of chosen) {
    await mkdir(dirname(join(deps, file.target)), { recursive: true });
    await cp(join(app, file.target), join(deps, file.target), { verbatimSymlinks: true, errorOnExist: true, force: false });
  }
  const runtime = join(req.folder, CONTEXT_RUNTIME);
  await mkdir(runtime);
  for (const entry of req.runtimeEntries ?? RUNTIME_ENTRIES) {
    try {
      await cp(join(req.runtimeDir, entry), join(runtime, entry), {
        recursive: true,
        // Bytecode left by local runs would change the runtime layer on every machine.
        filter: (source) => basename(source) !== '__pycache__' && !source.endsWith('.pyc'),
      });
    } catch (error) {
      return { ok: false, message: `cannot copy the Slipway runtime ${join(req.runtimeDir, entry)}: ${(error as Error).message}; is Slipway installed completely?` };
    }
  }
  return { ok: true, deps: chosen.map((file) => file.target) };
}

/** Writes the Containerfile into the context folder and returns its path. */
export async function writeContainerfile(folder: string, text: string): Promise<string> {
  const path = join(folder, 'Containerfile');
  await writeFile(path, text);
  return path;
}
