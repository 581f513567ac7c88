// Whether the R runtime can run on this machine (Rscript with jsonlite and httpuv).
import { execFileSync } from 'node:child_process';

/** Null when R and its runtime's packages are installed, else why not. */
export function rMissing(): string | null {
  try {
    execFileSync('Rscript', ['-e', 'stopifnot(requireNamespace("jsonlite"), requireNamespace("httpuv"))'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'Rscript with r-cran-jsonlite and r-cran-httpuv is not installed';
  }
}
