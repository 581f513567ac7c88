// `slipway diff` on this machine: the candidate build (what `apply` would run now, built when
// missing, as `slipway test` builds it) and a baseline build (the deployed one by default, or
// build N) each in a throwaway sandboxed replica of their own, on the examples, the replay set and
// the newest calls the local store captured.
import { sqliteBuildLedger } from '../apply/build-ledger.ts';
import { ensureBuild } from '../apply/ensure-build.ts';
import { observeRoot, stateDir, storePath } from '../backends/local/observe.ts';
import { createSnapshotBuilder } from '../build/snapshot-builder.ts';
import { loadModels } from '../ci/load-models.ts';
import { CliError } from '../cli/cli-error.ts';
import { findDaemon } from '../daemon/admin-client.ts';
import { plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { detectSandbox } from '../sandbox/detect-sandbox.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { headCommit } from '../source/repo.ts';
import { getBuild } from '../store/builds.ts';
import { openStore } from '../store/database.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { diffBuilds, type DiffRun } from './diff-builds.ts';
import { storeCaptures } from './paired-calls.ts';

export type DiffRequest = { name: string; against: number | null; sample: number; tolerance: number; unsafeCandidates: boolean };

/** The diff of `req.name` on this machine; CliErrors for people. */
export async function localDiff(ws: Workspace, req: DiffRequest): Promise<DiffRun> {
  const { name } = req;
  const desired = await loadModels(ws, { forApply: false, env: process.env, secretDigest: secretDigestIfStore(ws.root), emptySecrets: 'unset', interpreters: true });
  if (!desired.ok) throw new CliError(`${ws.display} is not valid; run \`slipway validate\``);
  const model = desired.spec.models.find((m) => m.name === name);
  if (model === undefined) throw new CliError(`no model named ${JSON.stringify(name)} in ${ws.display}`);
  const daemon = findDaemon(ws.root);
  const observed = daemon ? await daemon.json<Observed>('GET', 'observe') : observeRoot(ws.root);
  const change = plan(desired.spec, desired.keys, observed).changes.find((c) => c.model === name)!;
  const sandbox = detectSandbox();
  if (!sandbox.ok && !req.unsafeCandidates) throw new CliError(`no sandbox can be made here for the candidate: ${sandbox.reason}. Install bubblewrap, or pass --unsafe-candidates`);
  const launcher = sandbox.ok ? sandbox.launcher : plainLauncher;
  const store = openStore(storePath(ws.root));
  try {
    const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
    const ensured = await ensureBuild(change, {
      root: ws.root, ledger: sqliteBuildLedger(store), builder: createSnapshotBuilder({ stateDir: stateDir(ws.root) }),
      keys: desired.keys, gitCommit: await headCommit(ws.repo), log,
      sandbox: (m) => ({ launcher, network: m.serving.sandbox?.network !== false, paths: m.serving.sandbox?.paths ?? [] }),
    });
    if (!ensured.ok) throw new CliError(`the candidate build #${ensured.number} failed: ${ensured.message}`);
    const baselineNumber = req.against ?? observed.models.find((m) => m.name === name)?.deployment?.build;
    if (baselineNumber === undefined) throw new CliError(`${name} is not deployed here; compare with --against build:N`);
    const baseline = getBuild(store, name, baselineNumber);
    if (baseline === null || baseline.status !== 'succeeded') throw new CliError(`${name} has no finished build #${baselineNumber} (see \`slipway builds ${name}\`)`);
    const report = await diffBuilds(model, ensured.build, baseline, { root: ws.root, captures: storeCaptures(store), sample: req.sample, tolerance: req.tolerance, launcher, env: process.env })
      .catch((error: Error) => { throw new CliError(error.message); });
    const labels = { candidate: `build #${ensured.build.number}`, baseline: `build #${baseline.number}${req.against ? '' : ' (deployed)'}` };
    return { candidate: ensured.build.number, baseline: baseline.number, labels, report };
  } finally {
    store.close();
  }
}
