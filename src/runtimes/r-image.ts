// What the buildah builder needs for an R model: the base image it must declare (Slipway has no
// default R image), Slipway's R runtime files, and the files that declare R packages.
import { packagePath } from '../package-paths.ts';
import type { PlacedFile, SnapshotLayout } from '../build/snapshot-layout.ts';
import { R_DEPENDENCY_FILES } from './r-deps.ts';

/** The files of runtime/r an image needs. */
export const R_IMAGE_RUNTIME_ENTRIES = ['slipway_runtime.R', 'cdsw.R'];

/** The R runtime folder, or why the model cannot be built as an image (no base image declared). */
export function rImage(baseImage: string | null | undefined): { ok: true; runtimeDir: string } | { ok: false; message: string } {
  if (!baseImage) {
    return {
      ok: false,
      message: 'an R model image needs build.baseImage: an image with R, jsonlite and httpuv (Debian: r-base-core r-cran-jsonlite r-cran-httpuv); Slipway has no default R image',
    };
  }
  return { ok: true, runtimeDir: packagePath('runtime', 'r') };
}

/** install.R, DESCRIPTION and renv.lock at the root of the build, in that order. */
export function rDeclaredFiles(layout: SnapshotLayout): PlacedFile[] {
  return R_DEPENDENCY_FILES.map((name) => layout.files.find((file) => file.target === name)).filter((file) => file !== undefined);
}
