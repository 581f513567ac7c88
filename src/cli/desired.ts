// The desired side of a plan: models.yaml loaded and validated, and the build key of every model.
import { existsSync } from 'node:fs';
import { loadSpec } from '../spec/load.ts';
import { formatIssues } from '../spec/format.ts';
import type { Spec } from '../spec/types.ts';
import { computeBuildKeys } from '../source/build-keys.ts';
import type { BuildKeys } from '../source/types.ts';
import { storePath } from '../backends/local/observe.ts';
import { openStore } from '../store/database.ts';
import { secretDigest } from '../store/secret-digest.ts';
import { CliError } from './cli-error.ts';
import type { Workspace } from './workspace.ts';

export type Desired = { spec: Spec; keys: BuildKeys };

/**
 * Loads the models file and computes build keys, or throws a CliError listing every problem. For
 * apply, `fromEnv` secrets must be set; their digests (never their values) let the plan see a
 * changed secret.
 */
export async function loadDesired(ws: Workspace, opts: { forApply?: boolean } = {}): Promise<Desired> {
  const digest = secretDigestIfStore(ws.root);
  const loaded = await loadSpec(ws.modelsFile, {
    root: ws.root,
    displayPath: ws.display,
    forApply: opts.forApply,
    secretDigest: digest,
  });
  if (!loaded.ok) {
    throw new CliError(`${ws.display} is not valid:\n${formatIssues(loaded.errors)}`);
  }
  const keys = await computeBuildKeys(ws.repo, loaded.spec);
  if (!keys.ok) {
    const lines = keys.errors.map((e) => `  ${e.model}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
    throw new CliError(`cannot compute build keys:\n${lines.join('\n')}`);
  }
  return { spec: loaded.spec, keys: keys.keys };
}

/** Digests need the store's secret key; before the first apply there is no store and no digest. */
function secretDigestIfStore(root: string): ((name: string, value: string) => string) | undefined {
  const file = storePath(root);
  if (!existsSync(file)) return undefined;
  const store = openStore(file);
  try {
    return secretDigest(store);
  } finally {
    store.close();
  }
}
