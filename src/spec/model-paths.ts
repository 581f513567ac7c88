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
  /** Absolute build context and include paths, for the import check. */
  contextAbs: string;
  includeAbs: string[];
  build: BuildSettings;
  /** The replay set (models.yaml `replay`) as a repository path, when declared. */
  replay?: string;
};

export type ResolvedPaths = { paths: ModelPaths | null; findings: Finding[] };

const scriptNames = ['cdsw-build.sh', 'build.sh'] as const;
/** CML runs only `cdsw-build.sh` at the project root, whatever else the root holds. */
const projectScriptNames = ['cdsw-build.sh'] as const;

/** One build setting and where it was declared: the model's own, else `defaults.build`'s. */
type Setting = { value: unknown; at: DataPath };

/**
 * Checks the paths of one model, read defensively because the schema may have failed elsewhere.
 * `defaults` is the `defaults` mapping of models.yaml: each build setting the model leaves out is
 * taken from `defaults.build`, and a problem with it is reported there.
 * `paths` is null when any of them is wrong (the findings say why) or `file` is not a string.
 */
export function resolveModelPaths(
  ctx: RepoContext,
  model: Record<string, unknown>,
  at: DataPath,
  defaults: Record<string, unknown> = {},
): ResolvedPaths {
  const findings: Finding[] = [];
  const check = (value: unknown, where: DataPath, kind: PathKind): { abs: string; rel: string } | null => {
    if (typeof value !== 'string' || value === '') return null;
    const checked = checkRepoPath(ctx, value, kind);
    if (checked.ok) return checked;
    findings.push({ path: where, message: checked.message });
    return null;
  };

  const file = check(model.file, [...at, 'file'], 'file');
  const replay = check(model.replay, [...at, 'replay'], 'file');
  const build = isRecord(model.build) ? model.build : {};
  const buildAt = [...at, 'build'];
  const shared = isRecord(defaults.build) ? defaults.build : {};
  const setting = (name: string): Setting =>
    name in build || !(name in shared)
      ? { value: build[name], at: [...buildAt, name] }
      : { value: shared[name], at: ['defaults', 'build', name] };

  const contextSetting = setting('context');
  const givenContext = typeof contextSetting.value === 'string' ? check(contextSetting.value, contextSetting.at, 'folder') : null;
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

  // A string names the file; `false` switches the default off; absent looks in the context.
  const optionalFile = (name: string, defaultNames: readonly string[]): string | null => {
    const { value, at: where } = setting(name);
    if (typeof value === 'string') return check(value, where, 'file')?.rel ?? null;
    if (value === false || contextAbs === null) return null;
    return findFirstFile(ctx.root, contextAbs, defaultNames);
  };
  const atProjectRoot = contextAbs !== null && (contextAbs === ctx.root || contextAbs === ctx.baseDir);
  const requirements = optionalFile('requirements', ['requirements.txt']);
  const script = optionalFile('script', atProjectRoot ? projectScriptNames : scriptNames);

  // A build is a snapshot of the context (plus include); a file outside it would not be served.
  if (file !== null && givenContext !== null && !isInside(givenContext.abs, file.abs) && !includeAbs.some((dir) => isInside(dir, file.abs))) {
    findings.push({
      path: contextSetting.at,
      message: `build.context "${String(contextSetting.value)}" does not hold the model file ${file.rel}, so the build would miss it (use a folder that contains it, or add the file to build.include)`,
    });
  }

  if (findings.length > 0 || file === null || contextAbs === null) return { paths: null, findings };
  const baseImage = setting('baseImage').value;
  const python = setting('python').value;
  return {
    paths: {
      fileAbs: file.abs,
      file: file.rel,
      contextAbs,
      includeAbs,
      build: {
        context: toRepoPath(ctx.root, contextAbs),
        include,
        requirements,
        script,
        baseImage: typeof baseImage === 'string' ? baseImage : null,
        ...(typeof python === 'string' ? { python } : {}),
      },
      ...(replay === null ? {} : { replay: replay.rel }),
    },
    findings,
  };
}

/** Whether `value` is a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
