// Which R a build uses: Rscript's resolved executable, R's version and a fingerprint of the
// packages in R's own libraries (Debian's r-cran-*), which an R model loads without installing
// them. All three are in an R model's build key, as the Python interpreter's identity is in a
// Python model's.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { InterpreterIdentity } from '../source/types.ts';

/** The command R models are built and served with. */
export const RSCRIPT = 'Rscript';

const PROBE = [
  'ip <- installed.packages(lib.loc = .Library.site[dir.exists(.Library.site)])',
  'ip <- rbind(ip, installed.packages(lib.loc = .Library))',
  'pk <- sort(paste(ip[, "Package"], ip[, "Version"]))',
  'cat(file.path(R.home("bin"), "Rscript"), paste(R.version$major, R.version$minor, sep = "."),',
  '  digest <- paste(pk, collapse = ","), sep = "\\n")',
].join('\n');

export type RProbe = { ok: true; identity: InterpreterIdentity; command: string } | { ok: false; message: string };

/** Runs `command` (default Rscript) and reports which R it is; never rejects. */
export function probeR(command: string = RSCRIPT): Promise<RProbe> {
  return new Promise((resolve) => {
    execFile(command, ['--vanilla', '-e', PROBE], { timeout: 60_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const [executable, version, packages] = stdout.split('\n');
      if (error !== null || !executable || !version) {
        const why = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? 'not installed' : (stderr.trim().split('\n').pop() ?? error?.message ?? 'no output');
        resolve({
          ok: false,
          message: `R is needed for runtime: r models and ${command} could not be run (${why}); install R (Debian: apt-get install r-base-core r-cran-jsonlite r-cran-httpuv)`,
        });
        return;
      }
      resolve({ ok: true, command, identity: { executable, version, packages: fingerprint(packages ?? '') } });
    });
  });
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
