// Resolves and checks every path of one model (file, build context, include, requirements, script)
// and fills in the build defaults, which depend on what the context folder holds.
import path from 'node:path';
import type { DataPath, Finding } from './data-path.ts';
import { checkRepoPath, findFirstFile, isInside, toRepoPath } from './repo-paths.ts';
import type { PathKind, RepoContext } from './repo-paths.ts';
import type { BuildSettings } from './types.ts';

export type ModelPaths = {
  /** Absolute path of the model file, for the function check. */
  fileAbs: string;
  /** The model file as a repository path. */
  file: string;
  build: BuildSettings;
};

export type ResolvedPaths = { paths: ModelPaths | null; findings: Finding[] };

const scriptNames = ['cdsw-build.sh', 'build.sh'] as const;

/**
 * Checks the paths of one model, read defensively because the schema may have failed elsewhere.
 * `paths` is null when any of them is wrong (the findings say why) or `file` is not a string.
 */
export function resolveModelPaths(ctx: RepoContext, model: Record<string, unknown>, at: DataPath): ResolvedPaths {
  const findings: Finding[] = [];
  const check = (value: unknown, where: DataPath, kind: PathKind): { abs: string; rel: string } | null => {
    if (typeof value !== 'string' || value === '') return null;
    const checked = checkRepoPath(ctx, value, kind);
    if (checked.ok) return checked;
    findings.push({ path: where, message: checked.message });
    return null;
  };

  const file = check(model.file, [...at, 'file'], 'file');
  const build = isRecord(model.build) ? model.build : {};
  const buildAt = [...at, 'build'];

  const givenContext = typeof build.context === 'string' ? check(build.context, [...buildAt, 'context'], 'folder') : null;
  const contextAbs = givenContext?.abs ?? (file === null ? null : path.dirname(file.abs));

  const include: string[] = [];
  const includeAbs: string[] = [];
  if (Array.isArray(build.include)) {
    build.include.forEach((entry, i) => {
      const checked = check(entry, [...buildAt, 'include', i], 'any');
      if (checked !== null) {
        include.push(checked.rel);
        includeAbs.push(checked.abs);
      }
    });
  }

  const requirements =
    typeof build.requirements === 'string'
      ? (check(build.requirements, [...buildAt, 'requirements'], 'file')?.rel ?? null)
      : contextAbs === null
        ? null
        : findFirstFile(ctx.root, contextAbs, ['requirements.txt']);
  const script =
    typeof build.script === 'string'
      ? (check(build.script, [...buildAt, 'script'], 'file')?.rel ?? null)
      : contextAbs === null
        ? null
        : findFirstFile(ctx.root, contextAbs, scriptNames);

  // A build is a snapshot of the context (plus include); a file outside it would not be served.
  if (file !== null && givenContext !== null && !isInside(givenContext.abs, file.abs) && !includeAbs.some((dir) => isInside(dir, file.abs))) {
    findings.push({
      path: [...buildAt, 'context'],
      message: `build.context "${String(build.context)}" does not hold the model file ${file.rel}, so the build would miss it (use a folder that contains it, or add the file to build.include)`,
    });
  }

  if (findings.length > 0 || file === null || contextAbs === null) return { paths: null, findings };
  return {
    paths: {
      fileAbs: file.abs,
      file: file.rel,
      build: {
        context: toRepoPath(ctx.root, contextAbs),
        include,
        requirements,
        script,
        baseImage: typeof build.baseImage === 'string' ? build.baseImage : null,
      },
    },
    findings,
  };
}

/** Whether `value` is a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
