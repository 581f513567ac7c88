// What both builders (snapshot folder, OCI image) do first and must do alike: place the build's
// files in the layout of its context, or refuse the build with the layout's reason, and say what
// is checked out; and the failure of a step, which each builder turns into its outcome.
import { realpath } from 'node:fs/promises';
import type { BuildRequest } from './builder.ts';
import type { BuildLog } from './build-log.ts';
import { layoutSnapshot, normalizeContext, type SnapshotLayout } from './snapshot-layout.ts';

/** A step that failed; its message names the step. A builder answers it as a failed build, never a throw. */
export class StepFailure extends Error {}

/** The build's context, its files' layout and the repository root (symbolic links resolved). */
export type BuildCheckout = { context: string; layout: SnapshotLayout; root: string };

/** Lays out `req`'s files under its context; throws StepFailure for a layout that cannot be built. */
export async function checkoutLayout(req: BuildRequest, log: BuildLog): Promise<BuildCheckout> {
  const context = normalizeContext(req.model.build.context);
  const placed = layoutSnapshot(req.key.inputs, context);
  if (!placed.ok) throw new StepFailure(placed.message);
  const { layout } = placed;
  log.line(`checking out ${layout.files.length} files from ${context || 'the repository root'} as git stores them`);
  return { context, layout, root: await realpath(req.root) };
}
