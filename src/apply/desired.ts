// The desired side of a plan: models.yaml loaded and validated, and the build key of every model.
import { loadSpec } from '../spec/load.ts';
import { formatIssues } from '../spec/format.ts';
import type { Spec, SpecIssue } from '../spec/types.ts';
import { computeBuildKeys } from '../source/build-keys.ts';
import { withInterpreters } from '../source/interpreter-keys.ts';
import type { Repo } from '../source/repo.ts';
import type { BuildKeys } from '../source/types.ts';

export type DesiredSource = {
  repo: Repo;
  /** Absolute path of the models file. */
  modelsFile: string;
  /** The models file as messages name it. */
  display: string;
};

export type DesiredOptions = {
  /** Require every fromEnv variable to be set in `env`. */
  forApply?: boolean;
  env?: NodeJS.ProcessEnv;
  secretDigest?: (name: string, value: string) => string;
  /** Keys for builds made on this machine: each Python model's interpreter is part of its key. */
  interpreters?: boolean;
  /** How an empty fromEnv value counts: an error (default), or unset (pull requests, whose candidates then skip). */
  emptySecrets?: 'error' | 'unset';
};

export type Desired =
  | { ok: true; spec: Spec; keys: BuildKeys }
  /** `message` lists every problem; `issues` are those with a position in the models file (for annotations). */
  | { ok: false; message: string; issues: SpecIssue[] };

/**
 * Loads the models file and computes build keys; on failure, one message listing every problem.
 * The one loader behind the CLI, the daemon and CI.
 */
export async function loadDesired(source: DesiredSource, opts: DesiredOptions = {}): Promise<Desired> {
  const loaded = await loadSpec(source.modelsFile, {
    root: source.repo.root,
    displayPath: source.display,
    forApply: opts.forApply,
    env: opts.env,
    secretDigest: opts.secretDigest,
    emptySecrets: opts.emptySecrets,
  });
  if (!loaded.ok) return { ok: false, message: `${source.display} is not valid:\n${formatIssues(loaded.errors)}`, issues: loaded.errors };
  const keys = await computeBuildKeys(source.repo, loaded.spec);
  if (!keys.ok) {
    const lines = keys.errors.map((e) => `  ${e.model}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
    return { ok: false, message: `cannot compute build keys:\n${lines.join('\n')}`, issues: [] };
  }
  if (opts.interpreters === true) return localKeys(source.repo.root, loaded.spec, keys.keys);
  return { ok: true, spec: loaded.spec, keys: keys.keys };
}

/**
 * The keys of builds made on this machine (the local backend): `keys` with each Python model's
 * interpreter added (see source/interpreter-keys.ts).
 */
export async function localKeys(root: string, spec: Spec, keys: BuildKeys): Promise<Desired> {
  const local = await withInterpreters(root, spec, keys);
  if (!local.ok) {
    const lines = local.errors.map((e) => `  ${e.model}: ${e.message}`);
    return { ok: false, message: `cannot compute build keys:\n${lines.join('\n')}`, issues: [] };
  }
  return { ok: true, spec, keys: local.keys };
}

/** The names of every fromEnv variable the spec reads. */
export function secretNames(spec: Spec): string[] {
  const names = new Set<string>();
  for (const model of spec.models) {
    for (const value of Object.values(model.serving.env)) if ('fromEnv' in value) names.add(value.fromEnv);
  }
  return [...names].sort();
}
