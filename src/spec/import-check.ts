// Whether a model file's imports stay inside its build. CML runs a model with the project root as
// working directory and on sys.path, so `from src.utils import clean` in `models/predict.py` works
// there; a Slipway build whose context is `models/` would not hold `src/`, and the model would
// fail at import after a whole build and deploy. This check says so at validate time, naming the
// import and its line, from the imports the function check's single `ast` pass already read.
import fs from 'node:fs';
import path from 'node:path';
import type { DataPath, Finding } from './data-path.ts';
import { isInside, toRepoPath } from './repo-paths.ts';

/** An absolute import of a model file, as `top-level-names.py` reports it. */
export type ImportSite = { module: string; line: number; column: number; stdlib: boolean };

/** Where a model's build lies and where CML would look for modules beside it. */
export type ImportScope = {
  /** Absolute model file, build context and include paths. */
  fileAbs: string;
  contextAbs: string;
  includeAbs: string[];
  /** Folders CML would have on sys.path: the repository root and the folder of models.yaml. */
  projectRoots: string[];
  /** For messages: the repository root. */
  root: string;
};

/** The module or package `name` as a file or folder in `dir`, or null. */
function moduleIn(dir: string, name: string): string | null {
  for (const candidate of [path.join(dir, name), path.join(dir, `${name}.py`)]) {
    const stat = fs.statSync(candidate, { throwIfNoEntry: false });
    if (stat !== undefined && (stat.isDirectory() || (stat.isFile() && candidate.endsWith('.py')))) return candidate;
  }
  return null;
}

/** Findings for the imports of one model that need repository files its build does not hold. */
export function checkImports(scope: ImportScope, imports: ImportSite[], rel: string, at: DataPath): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  const inBuild = (abs: string) => isInside(scope.contextAbs, abs) || scope.includeAbs.some((dir) => isInside(dir, abs));
  for (const site of imports) {
    const top = site.module.split('.')[0];
    if (site.stdlib || top === undefined || reported.has(top)) continue;
    // Found beside the file or at the context root, the import works in the build as it is.
    if (moduleIn(path.dirname(scope.fileAbs), top) !== null || moduleIn(scope.contextAbs, top) !== null) continue;
    const found = scope.projectRoots.map((dir) => moduleIn(dir, top)).find((abs) => abs !== null);
    if (found === undefined || found === null || inBuild(found)) continue;
    reported.add(top);
    const where = toRepoPath(scope.root, found) + (fs.statSync(found).isDirectory() ? '/' : '');
    const context = toRepoPath(scope.root, scope.contextAbs);
    findings.push({
      path: at,
      message:
        `${rel}:${site.line}:${site.column}: import "${site.module}" needs ${where}, which is outside this model's build ` +
        `context ${context === '.' ? 'the project root' : `${context}/`}, so the model would fail at import; ` +
        'set build.context: . (under defaults for every model) so the build holds the whole project, as CML runs it',
    });
  }
  return findings;
}
