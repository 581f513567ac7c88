// The desired side for CI: the shared loader (apply/desired.ts), with the models file named as
// annotations name it, so its problems become annotations on the file's lines.
import path from 'node:path';
import { loadDesired, type Desired } from '../apply/desired.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** The models file as annotations name it: relative to the repository root, which is the checkout. */
export function modelsFileName(ws: Workspace): string {
  return path.relative(ws.root, ws.modelsFile).split(path.sep).join('/');
}

/** Loads and validates the models file, then computes build keys. */
export function loadModels(
  ws: Workspace,
  opts: { forApply: boolean; env: NodeJS.ProcessEnv; secretDigest?: (name: string, value: string) => string; emptySecrets?: 'error' | 'unset'; interpreters?: boolean },
): Promise<Desired> {
  return loadDesired({ repo: ws.repo, modelsFile: ws.modelsFile, display: modelsFileName(ws) }, opts);
}
