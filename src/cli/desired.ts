// The CLI's view of the desired state: the shared loader, with errors turned into CliErrors and
// secret digests keyed by the store (when there is one yet).
import { loadDesired as load, localKeys } from '../apply/desired.ts';
import type { Spec } from '../spec/types.ts';
import type { BuildKeys } from '../source/types.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import { CliError } from './cli-error.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** Loads the models file and computes build keys, or throws a CliError listing every problem. */
export async function loadDesired(ws: Workspace, opts: { forApply?: boolean } = {}): Promise<{ spec: Spec; keys: BuildKeys }> {
  const desired = await load(ws, { forApply: opts.forApply, secretDigest: secretDigestIfStore(ws.root) });
  if (!desired.ok) throw new CliError(desired.message);
  return desired;
}

/** `desired` with keys for builds on this machine (interpreters included), or throws a CliError. */
export async function withLocalKeys(ws: Workspace, desired: { spec: Spec; keys: BuildKeys }): Promise<{ spec: Spec; keys: BuildKeys }> {
  const local = await localKeys(ws.root, desired.spec, desired.keys);
  if (!local.ok) throw new CliError(local.message);
  return local;
}

