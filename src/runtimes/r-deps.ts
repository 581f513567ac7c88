// An R model's dependencies: an R library folder, `.slipway/deps/<hash>/library`, shared by every
// build with the same dependency hash (a code-only change reuses it), as Python's venvs are.
// What fills it, in CML's order: the build script (`cdsw-build.sh` / `build.sh`, often
// `Rscript install.R`) when there is one, else `install.R`, else the packages a `DESCRIPTION` or
// `renv.lock` names that R does not have yet (install.packages into the library). Every step runs
// with R_LIBS_USER set to the library, so `install.packages()` with no `lib` lands there, in a
// copy of the build folder (`work/`) so nothing it writes reaches the build. The deps folder's
// lock, marker and reuse are build/deps-folder.ts's, shared with Python's venvs.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { completeDepsFolder, depsFolderPaths, ensureDepsFolder, startDepsFolder, type DepsFolderRequest } from '../build/deps-folder.ts';
import { DEPS_FORMAT } from '../build/deps-hash.ts';
import { describeEnd } from '../build/run-step.ts';
import { buildStepRunner, hostEnvironment } from '../sandbox/build-steps.ts';
import type { PlacedFile } from '../build/snapshot-layout.ts';
import { stepLimitSeconds } from '../build/step-limits.ts';
import type { InterpreterIdentity } from '../source/types.ts';

/** Files at the build folder's root that declare R packages, in the order they are honoured. */
export const R_DEPENDENCY_FILES = ['install.R', 'DESCRIPTION', 'renv.lock'] as const;

/** Installs what DESCRIPTION's Depends/Imports/LinkingTo or renv.lock's Packages name and R lacks. */
export const INSTALL_DECLARED = [
  'args <- commandArgs(trailingOnly = TRUE); kind <- args[1]; path <- args[2]',
  'wanted <- if (kind == "renv.lock") names(jsonlite::fromJSON(path, simplifyVector = FALSE)$Packages) else {',
  '  d <- read.dcf(path); f <- intersect(c("Depends", "Imports", "LinkingTo"), colnames(d))',
  '  p <- trimws(sub("\\\\(.*", "", unlist(strsplit(paste(d[1, f], collapse = ","), ","))))',
  '  p[p != "" & p != "R"] }',
  'missing <- wanted[!vapply(wanted, requireNamespace, logical(1), quietly = TRUE)]',
  'if (length(missing) == 0) { cat("every package", kind, "names is installed already\\n"); quit(status = 0) }',
  'cat("installing", paste(missing, collapse = ", "), "\\n")',
  'tryCatch(install.packages(missing, lib = Sys.getenv("R_LIBS_USER"), repos = Sys.getenv("SLIPWAY_CRAN", "https://cloud.r-project.org")),',
  '  error = function(e) cat("install.packages failed:", conditionMessage(e), "\\n"))',
  'still <- missing[!vapply(missing, requireNamespace, logical(1), quietly = TRUE)]',
  'if (length(still) > 0) { cat("not installed:", paste(still, collapse = ", "), "(is CRAN reachable? Debian packages r-cran-* install them system-wide)\\n"); quit(status = 1) }',
].join('\n');

export type RDepsRequest = DepsFolderRequest & {
  r: { command: string; identity: InterpreterIdentity };
  /** Which of R_DEPENDENCY_FILES the build folder has at its root. */
  declared: string[];
};

export type RDepsResult = { ok: true; library: string; reused: boolean } | { ok: false; message: string };

/** The dependency hash of an R model: R's identity, the build script and the declaring files. */
export function rDepsHash(r: InterpreterIdentity, script: PlacedFile | null, declared: PlacedFile[]): string {
  const entry = (file: PlacedFile) => ({ path: file.target, blob: file.blob });
  const document = { format: DEPS_FORMAT, runtime: 'r', r, script: script && entry(script), files: declared.map(entry) };
  return createHash('sha256').update(JSON.stringify(document)).digest('hex');
}

function paths(stateDir: string, hash: string) {
  const folder = depsFolderPaths(stateDir, hash);
  return { ...folder, library: join(folder.folder, 'library') };
}

async function install(req: RDepsRequest): Promise<RDepsResult> {
  const where = paths(req.stateDir, req.hash);
  await startDepsFolder(where, req.source, where.library);
  const env: NodeJS.ProcessEnv = { ...hostEnvironment(req.sandbox), ...req.env, R_LIBS_USER: where.library };
  const runStep = await buildStepRunner(req.sandbox, { folder: where.folder, work: where.work, interpreter: req.r.identity.executable });
  const run = (command: string, args: string[], tag: string) =>
    runStep(command, args, { cwd: where.work, env, tag, line: req.line, timeoutSeconds: stepLimitSeconds('build script', req.stepTimeouts), signal: req.signal });
  if (req.script !== null) {
    req.line(`running build script ${req.script} with R_LIBS_USER=${where.library}`);
    const done = await run('bash', [req.script], req.script);
    if (done.code !== 0) return { ok: false, message: `build script ${req.script} ${describeEnd(done)}` };
  } else if (req.declared.includes('install.R')) {
    req.line(`running install.R with R_LIBS_USER=${where.library}`);
    const done = await run(req.r.command, ['install.R'], 'install.R');
    if (done.code !== 0) return { ok: false, message: `install.R ${describeEnd(done)}` };
  } else {
    for (const kind of req.declared) {
      const done = await run(req.r.command, ['-e', INSTALL_DECLARED, kind, kind], kind);
      if (done.code !== 0) return { ok: false, message: `installing the packages ${kind} names failed (${describeEnd(done)})` };
    }
  }
  await completeDepsFolder(where, { hash: req.hash, r: req.r.identity.version, script: req.script, declared: req.declared, builtBy: req.builtBy, completedAt: new Date().toISOString() });
  return { ok: true, library: where.library, reused: false };
}

/** The R library of `req.hash`: reused when complete, installed otherwise; a failure leaves nothing. */
export async function ensureRDeps(req: RDepsRequest): Promise<RDepsResult> {
  const where = paths(req.stateDir, req.hash);
  return ensureDepsFolder<RDepsResult>({
    stateDir: req.stateDir,
    hash: req.hash,
    line: req.line,
    noun: 'R library',
    artifact: where.library,
    installing: `installing R dependencies ${req.hash.slice(0, 12)} into ${where.library}`,
    reused: { ok: true, library: where.library, reused: true },
    install: () => install(req),
    failed: (error) => ({ ok: false, message: `R dependency install failed: ${error.message}` }),
  });
}
