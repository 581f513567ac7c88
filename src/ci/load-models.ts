// The desired side for CI: the models file loaded (its problems kept as positioned issues, for
// annotations on the file's lines) and every model's build key.
import path from 'node:path';
import { computeBuildKeys } from '../source/build-keys.ts';
import { withInterpreters } from '../source/interpreter-keys.ts';
import type { BuildKeys } from '../source/types.ts';
import { loadSpec } from '../spec/load.ts';
import type { Spec, SpecIssue } from '../spec/types.ts';
import type { Workspace } from '../cli/workspace.ts';

export type CiDesired =
  | { ok: true; spec: Spec; keys: BuildKeys }
  /** `issues` are positioned (annotations); `message` says everything, also what has no position. */
  | { ok: false; issues: SpecIssue[]; message: string };

/** The models file as annotations name it: relative to the repository root, which is the checkout. */
export function modelsFileName(ws: Workspace): string {
  return path.relative(ws.root, ws.modelsFile).split(path.sep).join('/');
}

/** Loads and validates the models file, then computes build keys. */
export async function loadModels(
  ws: Workspace,
  opts: { forApply: boolean; env: NodeJS.ProcessEnv; secretDigest?: (name: string, value: string) => string; emptySecrets?: 'error' | 'unset'; interpreters?: boolean },
): Promise<CiDesired> {
  const display = modelsFileName(ws);
  const loaded = await loadSpec(ws.modelsFile, { root: ws.root, displayPath: display, forApply: opts.forApply, env: opts.env, secretDigest: opts.secretDigest, emptySecrets: opts.emptySecrets });
  if (!loaded.ok) return { ok: false, issues: loaded.errors, message: `${display} is not valid (${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'})` };
  const keys = await computeBuildKeys(ws.repo, loaded.spec);
  if (!keys.ok) {
    const lines = keys.errors.map((e) => `${e.model}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
    return { ok: false, issues: [], message: `cannot compute build keys: ${lines.join('; ')}` };
  }
  if (opts.interpreters === true) {
    const local = await withInterpreters(ws.root, loaded.spec, keys.keys);
    if (!local.ok) return { ok: false, issues: [], message: `cannot compute build keys: ${local.errors.map((e) => `${e.model}: ${e.message}`).join('; ')}` };
    return { ok: true, spec: loaded.spec, keys: local.keys };
  }
  return { ok: true, spec: loaded.spec, keys: keys.keys };
}
