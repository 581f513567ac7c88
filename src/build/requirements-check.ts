// Before pip runs: which requirements the build's interpreter already satisfies, and whether the
// package index can be reached when some are missing (see requirements-check.py). Pip retries an
// unreachable index for minutes and then names no package; this check fails the build in seconds
// with the packages and what to do.
import { execFile } from 'node:child_process';
import { packagePath } from '../package-paths.ts';

/** A requirement the interpreter does not satisfy: not installed (`found` null) or another version. */
export type MissingRequirement = { requirement: string; name: string; found: string | null };

export type RequirementsCheck = {
  /** False when the file holds options, paths or URLs, which only pip can judge. */
  simple: boolean;
  missing: MissingRequirement[];
  /** Whether pip's index answers; null when nothing needed it (or it was not probed). */
  index: { reachable: boolean; reason: string } | null;
};

const scriptPath = packagePath('src', 'build', 'requirements-check.py');

/**
 * Runs the check with `python` (the build's venv) in `cwd` on `requirements` (relative to `cwd`).
 * Null when the check itself could not run: the caller then leaves it to pip.
 */
export function checkRequirements(python: string, cwd: string, requirements: string, env: NodeJS.ProcessEnv): Promise<RequirementsCheck | null> {
  return new Promise((resolve) => {
    execFile(python, [scriptPath, requirements], { cwd, env, timeout: 60_000, encoding: 'utf8' }, (error, stdout) => {
      if (error !== null) return resolve(null);
      try {
        resolve(JSON.parse(stdout) as RequirementsCheck);
      } catch {
        resolve(null);
      }
    });
  });
}

/** The failure message for requirements that cannot be fetched: which, from where, and what to do. */
export function unreachableIndexMessage(
  requirements: string,
  check: RequirementsCheck,
  python: { executable: string; version: string },
): string {
  const listed = check.missing
    .map((gap) => (gap.found === null ? `${gap.requirement} (not installed)` : `${gap.requirement} (it has ${gap.name} ${gap.found})`))
    .join(', ');
  const why = check.index?.reason ? `: ${check.index.reason}` : '';
  return (
    `${requirements} needs ${listed}, which ${python.executable} (Python ${python.version}) does not provide, ` +
    `and the package index cannot be reached${why}. Declare build.python: an interpreter whose packages satisfy ` +
    `${requirements} (the venv sees its system site-packages), or give the build a reachable index: ` +
    'PIP_INDEX_URL in the model\'s env, from the environment (PIP_INDEX_URL: {fromEnv: PIP_INDEX_URL}; never printed)'
  );
}
