// Loads models.yaml into a Spec: parse (keeping positions), validate against the JSON Schema, run the
// checks a schema cannot (names, limits, paths, functions, secrets), then apply defaults. Bad input
// never throws: every problem comes back at once, positioned.
import { defaultProjectName } from './project-name.ts';
import { checkContracts } from '../contract/check-contracts.ts';
import fs from 'node:fs';
import path from 'node:path';
import { formatPath } from './data-path.ts';
import type { DataPath, Finding } from './data-path.ts';
import { checkFunctions } from './function-check.ts';
import type { FunctionTarget } from './function-check.ts';
import { literalEnv, mergeEnv, toEnvValues } from './merge-env.ts';
import type { SecretSource } from './merge-env.ts';
import { isRecord, resolveModelPaths } from './model-paths.ts';
import type { ResolvedPaths } from './model-paths.ts';
import { buildModelSpec } from './model-spec.ts';
import { defaultLimits } from './raw-spec.ts';
import type { RawSpec } from './raw-spec.ts';
import { isInside, repoContext, toRepoPath, type RepoContext } from './repo-paths.ts';
import { checkMemoryUnits } from './resource-units.ts';
import { checkSchema } from './schema-check.ts';
import { checkRolloutPolicies } from './rollout-policy.ts';
import { checkDuplicateNames, checkReplicaLimit, checkSecretsSet } from './semantic-checks.ts';
import { buildTargets, checkTargets } from './targets.ts';
import type { Loaded, Position, Spec, SpecIssue } from './types.ts';
import { parseYaml } from './yaml-source.ts';

export type LoadOptions = {
  /** Absolute path of the repository root; every path in the file must stay inside it. */
  root: string;
  /** How to name the file in messages; default: its path relative to the working directory. */
  displayPath?: string;
  /** Loading to apply: a `fromEnv` variable that is not set is then an error. */
  forApply?: boolean;
  /**
   * An empty `fromEnv` variable is an error (default), or (`unset`) taken as not set: a pull
   * request's check, where a fork gets no secrets, skips what needs them instead.
   */
  emptySecrets?: 'error' | 'unset';
  /** Where `fromEnv` variables are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Lowest-precedence env, under the project's and the model's. */
  globalEnv?: Record<string, string>;
  /** Digest of a secret (the referenced variable's name and value), stored as EnvValue.digest. */
  secretDigest?: (name: string, value: string) => string;
  /** Check each `function` exists in its file (python3 `ast`, text for R); default true. */
  checkFunctions?: boolean;
};

/**
 * Reads, validates and resolves a models file. Returns `{ok: false, errors}` with every problem
 * found (sorted by position) rather than throwing; paths in the Spec are relative to `opts.root`.
 */
export async function loadSpec(file: string, opts: LoadOptions): Promise<Loaded> {
  const abs = path.resolve(file);
  const display = opts.displayPath ?? (path.relative(process.cwd(), abs) || abs);
  const fail = (position: Position, message: string, where = ''): Loaded => ({
    ok: false,
    errors: [{ file: display, line: position.line, column: position.column, path: where, message }],
  });
  const top = { line: 1, column: 1 };

  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    return fail(top, `cannot read the models file ${abs}: ${why} (point at it with -f)`);
  }
  const root = path.resolve(opts.root);
  if (!isInside(root, abs)) return fail(top, `the models file must be inside the repository ${root}`);

  const parsed = parseYaml(text);
  if (!parsed.ok) {
    return { ok: false, errors: parsed.errors.map((e) => toIssue(display, e.position, [], e.message)) };
  }
  const { data, locate } = parsed.source;
  if (data === null || data === undefined) {
    return fail(top, 'the file is empty; it needs at least version and models');
  }
  const models = isRecord(data) && Array.isArray(data.models) ? (data.models as unknown[]) : [];
  const ctx = repoContext(root, abs);
  const defaults = isRecord(data) && isRecord(data.defaults) ? data.defaults : {};
  const resolved: ResolvedPaths[] = models.map((model, i) =>
    isRecord(model) ? resolveModelPaths(ctx, model, ['models', i], defaults) : { paths: null, findings: [] },
  );
  // Started before the schema check so python3 parses the model files while ajv compiles and runs.
  const functionFindings =
    opts.checkFunctions !== false && isRecord(data) ? checkFunctions(functionTargets(data, models, resolved, ctx)) : Promise.resolve([]);
  const findings = checkSchema(data);
  if (isRecord(data)) {
    findings.push(...checkDuplicateNames(models, (at) => locate(at).line));
    findings.push(...checkReplicaLimit(data, models));
    findings.push(...checkRolloutPolicies(models));
    findings.push(...checkTargets(data));
    findings.push(...checkMemoryUnits(data, models));
    findings.push(...checkContracts(models));
    if (opts.forApply === true || opts.emptySecrets !== 'unset') {
      findings.push(...checkSecretsSet(data, models, opts.env ?? process.env, { requireSet: opts.forApply === true }));
    }
  }
  for (const r of resolved) findings.push(...r.findings);
  findings.push(...(await functionFindings));

  if (findings.length > 0) {
    const errors = findings.map((f: Finding) => toIssue(display, locate(f.path, f.onKey), f.path, f.message));
    // Stable sort: findings at one position keep the order the checks produced them in.
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, errors };
  }
  return { ok: true, spec: buildSpec(data as RawSpec, resolved, root, abs, locate, opts) };
}

function toIssue(file: string, position: Position, at: DataPath, message: string): SpecIssue {
  return { file, line: position.line, column: position.column, path: formatPath(at), message };
}

const functionName = /^[A-Za-z_.][A-Za-z0-9_.]*$/;

function functionTargets(data: Record<string, unknown>, models: unknown[], resolved: ResolvedPaths[], ctx: RepoContext): FunctionTarget[] {
  const defaults = isRecord(data.defaults) ? data.defaults : {};
  const projectRoots = [...new Set([ctx.baseDir, ctx.root])];
  const targets: FunctionTarget[] = [];
  models.forEach((model, i) => {
    const paths = resolved[i].paths;
    // A malformed name already has the schema's finding; looking it up would only repeat it.
    if (!isRecord(model) || paths === null || typeof model.function !== 'string' || !functionName.test(model.function)) return;
    const runtime = model.runtime ?? defaults.runtime ?? 'python3';
    if (runtime !== 'python3' && runtime !== 'r') return;
    const scope = { fileAbs: paths.fileAbs, contextAbs: paths.contextAbs, includeAbs: paths.includeAbs, projectRoots, root: ctx.root };
    targets.push({ runtime, abs: paths.fileAbs, rel: paths.file, function: model.function, model: ['models', i], scope });
  });
  return targets;
}

function buildSpec(
  raw: RawSpec,
  resolved: ResolvedPaths[],
  root: string,
  abs: string,
  locate: (at: DataPath) => Position,
  opts: LoadOptions,
): Spec {
  const secrets: SecretSource = { env: opts.env ?? process.env, digest: opts.secretDigest };
  const limits = {
    maxReplicas: raw.limits?.maxReplicas ?? defaultLimits.maxReplicas,
    maxRequestBytes: raw.limits?.maxRequestBytes ?? defaultLimits.maxRequestBytes,
  };
  const globalEnv = literalEnv(opts.globalEnv);
  const projectEnv = toEnvValues(raw.env, secrets);
  const models = raw.models.map((model, i) =>
    buildModelSpec({
      raw: model,
      defaults: raw.defaults ?? {},
      limits,
      // Without findings every model resolved its paths.
      paths: resolved[i].paths as NonNullable<ResolvedPaths['paths']>,
      env: mergeEnv(globalEnv, projectEnv, toEnvValues(model.env, secrets)),
      position: locate(['models', i]),
    }),
  );
  const spec: Spec = { root, file: toRepoPath(root, abs), version: 1, project: raw.project ?? defaultProjectName(root), limits, models };
  const targets = buildTargets(raw.targets);
  if (targets !== undefined) spec.targets = targets;
  return spec;
}
