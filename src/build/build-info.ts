// `build.json` at the root of a snapshot build folder tells the replica supervisor how to start
// replicas: which interpreter, which file, which function.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BUILD_INFO_FILE = 'build.json';

export type BuildInfo = {
  format: 1;
  model: string;
  number: number;
  /** The build key (sha256 hex). */
  key: string;
  runtime: string;
  /** The model file, relative to the build folder (the replica's working directory). */
  file: string;
  function: string;
  /** Absolute path of the interpreter replicas run with: the build's virtualenv, the base python, or Rscript for R. */
  python: string;
  /** R builds with dependencies: the R library folder replicas load packages from (R_LIBS_USER). */
  library?: string | null;
  /** The interpreter the build was made on: its executable, version and packages fingerprint. */
  interpreter?: { executable: string; version: string; packages: string };
  /** The dependency hash (`.slipway/deps/<hash>`), or null when the model has no dependencies. */
  deps: string | null;
  /** How this build got its deps folder (absent on builds made before it was recorded, and for R). */
  depsSource?: 'installed' | 'reused' | 'pulled';
  createdAt: string;
};

/** Writes `info` as `build.json` into `folder`. */
export async function writeBuildInfo(folder: string, info: BuildInfo): Promise<void> {
  await writeFile(join(folder, BUILD_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

/** Reads the `build.json` of the build folder `folder`. */
export async function readBuildInfo(
  folder: string,
): Promise<{ ok: true; info: BuildInfo } | { ok: false; message: string }> {
  const path = join(folder, BUILD_INFO_FILE);
  let info: Partial<BuildInfo>;
  try {
    info = JSON.parse(await readFile(path, 'utf8')) as Partial<BuildInfo>;
  } catch (error) {
    return { ok: false, message: `cannot read ${path}: ${(error as Error).message}; rebuild the model` };
  }
  if (info.format !== 1 || typeof info.python !== 'string' || typeof info.file !== 'string' || typeof info.function !== 'string') {
    return { ok: false, message: `${path} is not a build record of this Slipway version; rebuild the model` };
  }
  return { ok: true, info: info as BuildInfo };
}
