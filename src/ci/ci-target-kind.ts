// Which kind of target a CI run acts on. `backend` is `local` (the daemon on this runner) or the
// name of a target in the models file, which may itself be a local target: the models file says,
// through the same `targetKind` every command uses. A models file that does not load is reported
// by the flow itself; here it only means the name is taken at its word.
import { loadSpec } from '../spec/load.ts';
import { targetKind } from '../target/registry.ts';
import type { TargetKind } from '../target/target.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** The kind of target `backend` names in the workspace's models file. */
export async function ciTargetKind(ws: Workspace, backend: string): Promise<TargetKind> {
  if (backend === 'local') return 'local';
  // Functions are not checked and secrets not read: only the targets section matters here.
  const loaded = await loadSpec(ws.modelsFile, { root: ws.root, checkFunctions: false, env: {}, emptySecrets: 'unset' });
  return loaded.ok ? targetKind(loaded.spec, { target: backend }) : 'kubernetes';
}
