// Pull requests (and `plan` / `test` on demand): plan against the target environment, and for
// `test` build the changed models, call their examples in throwaway replicas, and diff each
// against its deployed build (ci/pr-diff.ts). Never deploys.
import { secretNames } from '../apply/desired.ts';
import { findDaemon } from '../daemon/admin-client.ts';
import { observeRoot, stateDir, storePath } from '../backends/local/observe.ts';
import { createSnapshotBuilder } from '../build/snapshot-builder.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import type { RunReport } from '../github/run-report.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { headCommit } from '../source/repo.ts';
import { openStore } from '../store/database.ts';
import { sqliteBuildLedger } from '../apply/build-ledger.ts';
import { planned, testCandidates } from './candidate-tests.ts';
import { diffCandidates } from './pr-diff.ts';
import { storeCaptures } from '../diff/paired-calls.ts';
import { addCurls } from './endpoint-curl.ts';
import { addOutputShapes } from './output-shape.ts';
import type { FlowContext } from './flow-context.ts';
import { detectSandbox } from '../sandbox/detect-sandbox.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { loadModels, modelsFileName } from './load-models.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import { invalidReport, modelPassed, toReport } from './to-report.ts';

/** `test`: build and call; otherwise plan only. */
export async function prFlow(ctx: FlowContext, opts: { test: boolean }): Promise<RunReport> {
  const { ws } = ctx;
  const kind = opts.test ? 'test' : 'plan';
  const header = { kind, commit: ctx.commit, modelsFile: modelsFileName(ws) } as const;
  // An empty secret is taken as missing: a fork's run gets none, and its candidates are skipped.
  const desired = await loadModels(ws, { forApply: false, env: ctx.env, secretDigest: secretDigestIfStore(ws.root), emptySecrets: 'unset', interpreters: true });
  if (!desired.ok) return invalidReport(header, desired);
  ctx.secrets(secretNames(desired.spec));
  // The target environment: what the running daemon serves, else the store's record.
  const daemon = findDaemon(ws.root);
  const observed = daemon ? await daemon.json<Observed>('GET', 'observe') : observeRoot(ws.root);
  const thePlan = plan(desired.spec, desired.keys, observed);
  let models;
  // Only a plan with changes builds anything, so a repository without state gets none for nothing.
  const notes: string[] = [];
  if (opts.test && hasChanges(thePlan)) {
    const sandbox = candidateLauncher(ctx.settings.unsafeCandidates);
    if (!sandbox.ok) {
      return toReport(header, { plan: thePlan, models: thePlan.changes.filter((c) => c.action !== 'noop').map(planned), notes, failure: sandbox.message });
    }
    if (!sandbox.launcher.isolated) notes.push(`candidates ran WITHOUT a sandbox (--unsafe-candidates): ${sandbox.reason}`);
    const store = openStore(storePath(ws.root));
    try {
      models = await testCandidates(thePlan, {
        root: ws.root,
        ledger: sqliteBuildLedger(store),
        builder: createSnapshotBuilder({ stateDir: stateDir(ws.root) }),
        keys: desired.keys,
        gitCommit: await headCommit(ws.repo),
        log: ctx.log,
        env: ctx.env,
        launcher: sandbox.launcher,
        // Build steps get the network (pip's index) unless the model turns it off.
        sandbox: (model) => ({ launcher: sandbox.launcher, network: model.serving.sandbox?.network !== false, paths: model.serving.sandbox?.paths ?? [] }),
        fork: ctx.fork,
      });
      await diffCandidates(models, desired.spec.models, {
        root: ws.root, ledger: sqliteBuildLedger(store), observed, launcher: sandbox.launcher, env: ctx.env, log: ctx.log, captures: storeCaptures(store),
      });
    } finally {
      store.close();
    }
  } else {
    models = thePlan.changes.filter((c) => c.action !== 'noop').map(planned);
  }
  addOutputShapes(models, desired.spec, observed);
  addCurls(models, desired.spec, { root: ws.root, gatewayUrl: ctx.settings.gatewayUrl ?? daemon?.url ?? `http://127.0.0.1:${ctx.settings.port}` });
  return toReport(header, { ok: models.every(modelPassed), plan: thePlan, fingerprint: planFingerprint(thePlan, observed), models, notes });
}

type CandidateSandbox = { ok: true; launcher: ReplicaLauncher; reason: string } | { ok: false; message: string };

/** Candidates run sandboxed, always; unsandboxed only where none can be made and the run says so. */
function candidateLauncher(unsafe: boolean): CandidateSandbox {
  const sandbox = detectSandbox();
  if (sandbox.ok) return { ok: true, launcher: sandbox.launcher, reason: '' };
  if (unsafe) return { ok: true, launcher: plainLauncher, reason: sandbox.reason };
  return {
    ok: false,
    message: `pull-request code is never run unsandboxed, and no sandbox can be made here: ${sandbox.reason}. Install bubblewrap (apt-get install bubblewrap), or pass --unsafe-candidates (unsafe-candidates: true) on a runner that serves nothing`,
  };
}

