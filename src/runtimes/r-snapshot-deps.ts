// The R step of a snapshot build: which R builds it (checked against the plan's), and its
// library folder when the build has a build script or declares R packages.
import type { BuildRequest } from '../build/builder.ts';
import type { SnapshotLayout } from '../build/snapshot-layout.ts';
import type { StepLimits } from '../build/step-limits.ts';
import type { InterpreterIdentity } from '../source/types.ts';
import { ensureRDeps, rDepsHash, R_DEPENDENCY_FILES } from './r-deps.ts';
import { probeR } from './r-probe.ts';
import { depsFolderName } from '../sandbox/build-steps.ts';

export type RBuildStep =
  | { ok: true; rscript: string; identity: InterpreterIdentity; deps: string | null; library: string | null }
  | { ok: false; message: string };

/** Probes R, then makes or reuses the build's library; `folder` is the checked-out build so far. */
export async function rSnapshotDeps(
  req: BuildRequest,
  layout: SnapshotLayout,
  folder: string,
  settings: { stateDir: string; stepTimeouts?: StepLimits },
  line: (text: string) => void,
): Promise<RBuildStep> {
  const probed = await probeR();
  if (!probed.ok) return probed;
  const found = probed.identity;
  const planned = req.key.inputs.r;
  if (planned !== undefined && (planned.executable !== found.executable || planned.version !== found.version || planned.packages !== found.packages)) {
    return { ok: false, message: `R changed since the plan (planned R ${planned.version} at ${planned.executable}, now ${found.version} at ${found.executable}${planned.packages !== found.packages ? ', with other packages' : ''}); plan and apply again` };
  }
  line(`interpreter: R ${found.version} at ${found.executable}`);
  const declaredFiles = R_DEPENDENCY_FILES.map((name) => layout.files.find((file) => file.target === name)).filter((file) => file !== undefined);
  if (layout.script === null && declaredFiles.length === 0) {
    line(`no build script, install.R, DESCRIPTION or renv.lock: replicas use R's own libraries`);
    return { ok: true, rscript: found.executable, identity: found, deps: null, library: null };
  }
  const hash = depsFolderName(rDepsHash(found, layout.script, declaredFiles), req);
  const installed = await ensureRDeps({
    stateDir: settings.stateDir,
    hash,
    r: { command: probed.command, identity: found },
    source: folder,
    script: layout.script?.target ?? null,
    declared: declaredFiles.map((file) => file.target),
    builtBy: { model: req.model.name, number: req.number },
    env: req.env,
    line,
    stepTimeouts: settings.stepTimeouts,
    signal: req.signal,
    sandbox: req.sandbox,
  });
  if (!installed.ok) return installed;
  return { ok: true, rscript: found.executable, identity: found, deps: hash, library: installed.library };
}
